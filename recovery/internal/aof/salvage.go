package aof

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/atomicfile"

	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// Range is a byte range of a file.
type Range struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// End is one past the last byte of the range.
func (r Range) End() int64 { return r.Offset + r.Length }

// SalvageReport says what Salvage kept and what it skipped. Every byte of
// the input is in exactly one of: the kept output (BytesKept), a Damaged
// range, a Dropped range or the Truncated tail.
type SalvageReport struct {
	Size int64 `json:"size"`
	// PreambleSize is the RDB preamble kept as it is (0 when none).
	PreambleSize int64 `json:"preamble_size,omitempty"`
	// Damaged are the byte ranges that do not parse: each runs from the
	// start of the item the parser failed on to the resynchronisation
	// point (or to the end of the data when none was found); an EXEC
	// without MULTI that no damage explains is a damaged range too.
	Damaged []Range `json:"damaged,omitempty"`
	// Dropped are intact bytes dropped because they belong to a
	// MULTI/EXEC transaction that damage cut: Redis applies a transaction
	// whole or not at all, so its surviving part is not kept.
	Dropped []Range `json:"dropped,omitempty"`
	// Truncated is the incomplete tail dropped as Redis does with
	// aof-load-truncated yes: a last command the data ends inside, or an
	// unfinished MULTI at the end.
	Truncated *Range `json:"truncated,omitempty"`
	// CommandsKept counts the commands of the output (MULTI and EXEC
	// included, as Check counts them).
	CommandsKept int `json:"commands_kept"`
	// CommandsDropped is an estimate of the commands lost: exact for the
	// intact commands of Dropped ranges and for an incomplete last command,
	// estimated for Damaged ranges (one per command header "*<n>" found at
	// a line start in the range; without one, 1 when the range holds
	// argument lines "$<n>" or ends with "\r\n", i.e. the rest of a
	// command whose header was overwritten, else 0: garbage inserted
	// between commands). A damaged value whose length fields survived still
	// parses and is kept: no parser can see it.
	CommandsDropped int `json:"commands_dropped"`
	// TransactionsDropped counts MULTI/EXEC transactions dropped because
	// damage cut them (or their MULTI or EXEC was lost).
	TransactionsDropped int   `json:"transactions_dropped"`
	BytesKept           int64 `json:"bytes_kept"`
	// Complete is true when the parse resynchronised after every damaged
	// range and then ran to the end of the data or to a clean truncated
	// tail: everything after the damage that still parses was read. It is
	// false when a damaged range runs to the end of the data (the rest may
	// hold commands nobody could find).
	Complete     bool     `json:"complete"`
	SHA256Before string   `json:"sha256_before"`
	SHA256After  string   `json:"sha256_after"`
	Notes        []string `json:"notes,omitempty"`
}

// aofCommands are the command names Salvage accepts as a resynchronisation
// point: the write commands of Redis's command table (CMD_WRITE in
// src/commands.def, redis unstable 2024-10; container commands by their
// container name), Redis 8's hash-field commands, the forms Redis
// propagates instead of the client's command (PEXPIREAT, SET … PXAT,
// SREM for SPOP, …), the transaction and database commands, and the
// scripting commands older AOFs (Redis < 7, verbatim script replication)
// hold. Commands outside the list are kept when the sequential parse meets
// them; they are only never taken as the first command after damage.
var aofCommands = map[string]bool{}

func init() {
	for _, n := range []string{
		"APPEND", "BITFIELD", "BITOP", "BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN",
		"COPY", "DECR", "DECRBY", "DEL", "EXPIRE", "EXPIREAT", "FLUSHALL", "FLUSHDB",
		"GEOADD", "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCHSTORE", "GETDEL", "GETEX", "GETSET",
		"HDEL", "HEXPIRE", "HEXPIREAT", "HGETDEL", "HGETEX", "HINCRBY", "HINCRBYFLOAT", "HMSET", "HPERSIST", "HPEXPIRE", "HPEXPIREAT", "HSET", "HSETEX", "HSETNX",
		"INCR", "INCRBY", "INCRBYFLOAT", "LINSERT", "LMOVE", "LMPOP", "LPOP", "LPUSH", "LPUSHX", "LREM", "LSET", "LTRIM",
		"MIGRATE", "MOVE", "MSET", "MSETNX", "PERSIST", "PEXPIRE", "PEXPIREAT", "PFADD", "PFMERGE", "PSETEX",
		"RENAME", "RENAMENX", "RESTORE", "RESTORE-ASKING", "RPOP", "RPOPLPUSH", "RPUSH", "RPUSHX",
		"SADD", "SDIFFSTORE", "SET", "SETBIT", "SETEX", "SETNX", "SETRANGE", "SINTERSTORE", "SMOVE", "SORT", "SPOP", "SREM", "SUNIONSTORE", "SWAPDB",
		"UNLINK", "XACK", "XADD", "XAUTOCLAIM", "XCLAIM", "XDEL", "XGROUP", "XREADGROUP", "XSETID", "XTRIM",
		"ZADD", "ZDIFFSTORE", "ZINCRBY", "ZINTERSTORE", "ZMPOP", "ZPOPMAX", "ZPOPMIN", "ZRANGESTORE", "ZREM", "ZREMRANGEBYLEX", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZUNIONSTORE",
		"FUNCTION", "EVAL", "EVALSHA", "FCALL", "SCRIPT",
		"MULTI", "EXEC", "SELECT",
	} {
		aofCommands[n] = true
	}
}

// Salvage rebuilds an AOF (RESP commands and "#" annotations, optionally
// after an RDB preamble) around damage: it keeps every complete, valid
// command with its original bytes, skips damaged bytes and resynchronises
// on the next command it can trust. Unlike Repair (redis-check-aof --fix),
// which cuts everything from the first bad byte, the commands after the
// damage survive. The input is never modified; without any problem the
// input itself is returned.
//
// Resynchronisation rule. After a parse failure at offset p, Salvage looks
// at every later '*' (and at every "#TS:<digits>\r\n" line that starts a
// line and is followed by such a '*', so the command keeps its timestamp)
// and takes the first candidate that
//   - parses as a complete multibulk "*<n>\r\n" + n × "$<len>\r\n<bytes>\r\n",
//   - names a command Redis writes to an AOF (aofCommands: write commands,
//     MULTI, EXEC, SELECT), and
//   - is confirmed by what follows, after skipping annotations: when the
//     candidate starts a line (the byte before it is '\n') the next command
//     must parse too; when it does not (garbage inserted right before a
//     command leaves it mid-line) the next command must also name an AOF
//     command and the one after it must parse. The end of the data at any
//     point of the confirmation confirms it, and so does a command the data
//     ends inside (a truncated tail).
//
// A value can hold bytes that look like commands; the rule makes a false
// resynchronisation need a value holding two (or three) well-formed
// commands in a row, which the project's workload never writes.
//
// Transactions: a MULTI/EXEC cut by damage is dropped whole — the part
// before the damage, and the queued commands plus EXEC that follow the
// resynchronisation point (Redis writes a transaction in one piece, so
// the commands between that point and a stray EXEC are its tail) — as
// Redis's loader refuses to apply an unfinished MULTI. So is a transaction
// whose EXEC is missing (a MULTI follows its MULTI). A stray EXEC that no
// damage precedes is skipped as damage itself. An unfinished MULTI at the
// end, and a last command the data ends inside, form the Truncated tail,
// dropped as Redis does with aof-load-truncated. A corrupt RDB preamble
// cannot be salvaged (error wrapping ErrCorrupt). The output always passes
// Check.
func Salvage(data []byte) ([]byte, SalvageReport, error) {
	rep := SalvageReport{Size: int64(len(data)), Complete: true, SHA256Before: sha256Hex(data)}
	var start int64
	if rdb.HasSignature(data) {
		info, err := rdb.VerifyBytes(data)
		if err != nil {
			return nil, rep, fmt.Errorf("salvage aof: rdb preamble: %v: %w", err, ErrCorrupt)
		}
		start = info.Size
		rep.PreambleSize = start
	}
	s := salvager{data: data, rep: &rep, boundary: start}
	s.run(start)
	rep.Dropped = mergeRanges(rep.Dropped)
	if len(rep.Damaged) == 0 && len(rep.Dropped) == 0 && rep.Truncated == nil {
		rep.BytesKept, rep.SHA256After = rep.Size, rep.SHA256Before
		return data, rep, nil
	}
	out := make([]byte, 0, int64(len(data))-s.lostBytes())
	out = append(out, data[:start]...)
	for _, sp := range s.spans {
		out = append(out, data[sp.Offset:sp.End()]...)
	}
	rep.BytesKept, rep.SHA256After = int64(len(out)), sha256Hex(out)
	return out, rep, nil
}

// SalvageFile is Salvage on a file: it reads src, writes the salvaged data
// to dst atomically (temporary file, fsync, rename) and never touches src;
// dst must not be src.
func SalvageFile(src, dst string) (SalvageReport, error) {
	if err := notSameFile(src, dst); err != nil {
		return SalvageReport{}, fmt.Errorf("salvage aof: %w", err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return SalvageReport{}, fmt.Errorf("salvage aof: %w", err)
	}
	out, rep, err := Salvage(data)
	if err != nil {
		return rep, fmt.Errorf("salvage aof %s: %w", src, err)
	}
	if err := atomicfile.Write(dst, out); err != nil {
		return rep, fmt.Errorf("salvage aof: %w", err)
	}
	return rep, nil
}

// salvager holds the state of one Salvage run.
type salvager struct {
	data  []byte
	rep   *SalvageReport
	spans []Range // kept bytes, in order, merged when adjacent
	// boundary is where the current stretch of kept items started: the
	// start of the data, a resynchronisation point or the end of the last
	// EXEC. A stray EXEC right after damage drops what was kept since then.
	boundary      int64
	sinceBoundary int  // commands kept since boundary
	afterDamage   bool // boundary is a resynchronisation point
	// cutTxn: damage cut an open transaction, whose queued commands and
	// EXEC may follow the resynchronisation point.
	cutTxn bool
}

func (s *salvager) run(pos int64) {
	data, rep := s.data, s.rep
	n := int64(len(data))
	multiStart, multiCmds := int64(-1), 0
	for {
		if pos >= n {
			if multiStart >= 0 {
				rep.Truncated = &Range{multiStart, n - multiStart}
				rep.CommandsDropped += multiCmds
				rep.TransactionsDropped++
				rep.Notes = append(rep.Notes, fmt.Sprintf("unfinished MULTI at offset %d dropped with the tail, as Redis reverts it", multiStart))
			}
			return
		}
		problem := ""
		switch data[pos] {
		case '#':
			nl := bytes.IndexByte(data[pos:], '\n')
			if nl < 0 {
				problem = eofProblem + " in annotation"
				break
			}
			end := pos + int64(nl) + 1
			if multiStart < 0 {
				s.keep(pos, end, 0)
			}
			pos = end
			continue
		case '*':
			c, p := parseCommand(data, pos)
			if p != "" {
				problem = p
				break
			}
			switch name := c.Name(); {
			case name == "MULTI" && multiStart >= 0:
				s.drop(multiStart, pos, multiCmds)
				rep.Notes = append(rep.Notes, fmt.Sprintf("transaction at offset %d has no EXEC (another MULTI follows): dropped", multiStart))
				multiStart, multiCmds = pos, 1
			case name == "MULTI":
				multiStart, multiCmds = pos, 1
				s.cutTxn = false
			case name == "EXEC" && multiStart < 0 && !s.afterDamage:
				// No damage since the last EXEC (or the start): nothing says
				// a transaction was cut; the EXEC itself is the damage.
				rep.Damaged = append(rep.Damaged, Range{pos, c.End - pos})
				rep.CommandsDropped++
				rep.Notes = append(rep.Notes, fmt.Sprintf("EXEC without MULTI at offset %d skipped", pos))
			case name == "EXEC" && multiStart < 0:
				// The rest of a transaction whose MULTI was lost or cut by
				// the damage before the resynchronisation point: Redis
				// writes a transaction in one piece, so everything kept
				// since that point belongs to it.
				from := s.boundary
				k := s.unkeepFrom(from)
				s.drop(from, c.End, k+1)
				if s.cutTxn {
					rep.TransactionsDropped-- // counted when it was cut
				}
				rep.Notes = append(rep.Notes, fmt.Sprintf("EXEC at offset %d without its MULTI: the transaction's surviving commands from offset %d dropped", pos, from))
				s.cutTxn = false
				s.setBoundary(c.End)
			case name == "EXEC":
				s.keep(multiStart, c.End, multiCmds+1)
				multiStart = -1
				s.cutTxn = false
				s.setBoundary(c.End)
			case multiStart >= 0:
				multiCmds++
			default:
				s.keep(pos, c.End, 1)
			}
			pos = c.End
			continue
		default:
			problem = fmt.Sprintf("byte 0x%02x where '*' or '#' was expected", data[pos])
		}

		// A problem at pos: find where to pick up again.
		q := s.resync(pos + 1)
		eof := q < 0 && len(problem) >= len(eofProblem) && problem[:len(eofProblem)] == eofProblem
		lost := 0
		if data[pos] == '*' {
			lost = 1
		}
		if multiStart >= 0 {
			if eof { // an unfinished transaction at the very end: the tail
				rep.Truncated = &Range{multiStart, n - multiStart}
				rep.CommandsDropped += multiCmds + lost
				rep.TransactionsDropped++
				rep.Notes = append(rep.Notes, fmt.Sprintf("unfinished MULTI at offset %d dropped with the truncated tail", multiStart))
				return
			}
			s.drop(multiStart, pos, multiCmds)
			rep.Notes = append(rep.Notes, fmt.Sprintf("transaction at offset %d cut by damage at offset %d: dropped whole", multiStart, pos))
			s.cutTxn = true
			multiStart = -1
		}
		if eof {
			rep.Truncated = &Range{pos, n - pos}
			rep.CommandsDropped += lost
			return
		}
		end := q
		if q < 0 {
			end = n
			rep.Complete = false
			rep.Notes = append(rep.Notes, fmt.Sprintf("no command to resynchronise on after the damage at offset %d: the rest of the data is skipped", pos))
		}
		rep.Damaged = append(rep.Damaged, Range{pos, end - pos})
		rep.CommandsDropped += estimateCommands(data, pos, end)
		if q < 0 {
			return
		}
		pos = q
		s.setBoundary(q)
		s.afterDamage = true
	}
}

// keep appends data[from:to] (holding cmds commands) to the output.
func (s *salvager) keep(from, to int64, cmds int) {
	if k := len(s.spans) - 1; k >= 0 && s.spans[k].End() == from {
		s.spans[k].Length += to - from
	} else {
		s.spans = append(s.spans, Range{from, to - from})
	}
	s.rep.CommandsKept += cmds
	s.sinceBoundary += cmds
}

// drop records intact bytes [from, to) holding cmds commands as dropped
// with a cut transaction.
func (s *salvager) drop(from, to int64, cmds int) {
	s.rep.Dropped = append(s.rep.Dropped, Range{from, to - from})
	s.rep.CommandsDropped += cmds
	s.rep.TransactionsDropped++
}

// unkeepFrom removes every kept byte at or after from (from is the current
// boundary) and returns how many commands were removed.
func (s *salvager) unkeepFrom(from int64) int {
	for len(s.spans) > 0 {
		k := len(s.spans) - 1
		sp := s.spans[k]
		if sp.Offset >= from {
			s.spans = s.spans[:k]
			continue
		}
		if sp.End() > from {
			s.spans[k].Length = from - sp.Offset
		}
		break
	}
	removed := s.sinceBoundary
	s.rep.CommandsKept -= removed
	s.sinceBoundary = 0
	return removed
}

func (s *salvager) setBoundary(at int64) { s.boundary, s.sinceBoundary, s.afterDamage = at, 0, false }

// lostBytes is the size of everything not kept after the preamble.
func (s *salvager) lostBytes() int64 {
	var t int64
	for _, r := range s.rep.Damaged {
		t += r.Length
	}
	for _, r := range s.rep.Dropped {
		t += r.Length
	}
	if s.rep.Truncated != nil {
		t += s.rep.Truncated.Length
	}
	return t
}

// resync returns the first resynchronisation point at or after from (see
// Salvage), or -1.
func (s *salvager) resync(from int64) int64 {
	data := s.data
	for i := from; i < int64(len(data)); i++ {
		j := bytes.IndexAny(data[i:], "*#")
		if j < 0 {
			return -1
		}
		i += int64(j)
		if data[i] == '#' {
			if data[i-1] == '\n' && s.tsCandidate(i) {
				return i
			}
			continue
		}
		if s.candidate(i) {
			return i
		}
	}
	return -1
}

// tsCandidate: "#TS:<digits>\r\n" lines at pos, then a candidate command.
func (s *salvager) tsCandidate(pos int64) bool {
	data := s.data
	for pos < int64(len(data)) && data[pos] == '#' {
		nl := bytes.IndexByte(data[pos:], '\n')
		if nl < 0 {
			return false
		}
		line := data[pos : pos+int64(nl)+1]
		if !isTSLine(line) {
			return false
		}
		pos += int64(len(line))
	}
	return pos < int64(len(data)) && data[pos] == '*' && s.candidate(pos)
}

// isTSLine reports whether line is exactly "#TS:<digits>\r\n".
func isTSLine(line []byte) bool {
	d, ok := bytes.CutPrefix(line, []byte("#TS:"))
	if !ok {
		return false
	}
	d, ok = bytes.CutSuffix(d, []byte("\r\n"))
	if !ok || len(d) == 0 || len(d) > 19 {
		return false
	}
	for _, b := range d {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// candidate applies the resynchronisation rule to a '*' at pos.
func (s *salvager) candidate(pos int64) bool {
	c, problem := parseCommand(s.data, pos)
	if problem != "" || !aofCommands[c.Name()] {
		return false
	}
	need := 2
	if pos > 0 && s.data[pos-1] == '\n' {
		need = 1
	}
	return s.confirm(c.End, need)
}

// confirm checks that need more commands follow pos (see Salvage): the
// last one must parse, the others must also name an AOF command. The end
// of the data, or a command the data ends inside, confirms.
func (s *salvager) confirm(pos int64, need int) bool {
	data := s.data
	for ; need > 0; need-- {
		for pos < int64(len(data)) && data[pos] == '#' {
			nl := bytes.IndexByte(data[pos:], '\n')
			if nl < 0 {
				return true // an annotation the data ends inside
			}
			pos += int64(nl) + 1
		}
		if pos >= int64(len(data)) {
			return true
		}
		c, problem := parseCommand(data, pos)
		if problem != "" {
			return len(problem) >= len(eofProblem) && problem[:len(eofProblem)] == eofProblem
		}
		if need > 1 && !aofCommands[c.Name()] {
			return false
		}
		pos = c.End
	}
	return true
}

// estimateCommands estimates how many commands the damaged range [from,
// to) destroyed (see SalvageReport.CommandsDropped).
func estimateCommands(data []byte, from, to int64) int {
	headers, bodies := 0, 0
	for i := from; i < to; i++ {
		if i != from && data[i-1] != '\n' {
			continue
		}
		if data[i] != '*' && data[i] != '$' {
			continue
		}
		if i+1 >= to || data[i+1] < '0' || data[i+1] > '9' {
			continue
		}
		if data[i] == '*' {
			headers++
		} else {
			bodies++
		}
	}
	if headers == 0 && (bodies > 0 || bytes.HasSuffix(data[from:to], []byte("\r\n"))) {
		return 1
	}
	return headers
}

// mergeRanges sorts ranges and merges overlapping or adjacent ones.
func mergeRanges(rs []Range) []Range {
	if len(rs) < 2 {
		return rs
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Offset < rs[j].Offset })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.Offset <= last.End() {
			if r.End() > last.End() {
				last.Length = r.End() - last.Offset
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// KeyPrediction is how many keys a server that loads the files would hold.
type KeyPrediction struct {
	// Keys is the total over all databases; ByDB[0] is what DBSIZE on
	// database 0 (the only one in cluster mode) returns.
	Keys int64         `json:"keys"`
	ByDB map[int]int64 `json:"by_db"`
	// Volatile counts the keys with a TTL, all of which end after the
	// prediction's time.
	Volatile int64 `json:"volatile,omitempty"`
	Commands int   `json:"commands"` // commands replayed
}

// PredictKeys replays AOF files in load order (base, then incr files) on a
// model of the keyspace and returns how many keys a server that loads them
// would hold at time at, so a scratch server's DBSIZE can be compared with
// the prediction. The model tracks key existence, not values:
// SET (NX/XX/GET, EXAT/PXAT/KEEPTTL), SETNX, MSET, MSETNX, GETSET, GETDEL,
// APPEND, SETRANGE, INCR/DECR/INCRBY/DECRBY/INCRBYFLOAT, DEL, UNLINK,
// EXPIREAT, PEXPIREAT, PERSIST, RENAME, RENAMENX, HSET, HMSET, HSETNX,
// HINCRBY, HINCRBYFLOAT, HDEL, LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP,
// LTRIM, SADD, SREM, ZADD, ZINCRBY, ZREM, XADD, XDEL, XTRIM, XSETID,
// FLUSHALL, FLUSHDB, SELECT, MULTI, EXEC (the project's workloads write
// SET, DEL, INCR, HSET, LPUSH, RPUSH, SADD, ZADD, XADD, MSET, PEXPIRE as
// PEXPIREAT, FLUSHALL).
//
// An RDB base file, or an AOF with an RDB preamble, seeds the model with the
// RDB's keys (rdb.WalkKeys): each with its type and TTL, in its database.
// The members of a seeded hash, set or zset and the length of a seeded list
// are unknown, only known to be non-empty: an HDEL, SREM, ZREM, LPOP, RPOP
// or LTRIM on such a key might empty it and is unpredictable. A seeded
// module value is a key of its own kind that any typed command mismatches.
//
// Any other command, a relative TTL (Redis 7 writes absolute ones), a key
// left with a TTL at or before at (whether the server has evicted it yet
// depends on timing), a seeded hash with a field TTL at or before at (or
// one the file does not tell: the hash may have emptied), a key the RDB
// holds twice or that an earlier file already holds (Redis refuses to load
// a duplicate), an RDB whose structure walk stopped early (old-style module
// value: the keys after it are unknown) or a command the model finds
// inconsistent (e.g. HSET on a string: Redis never logs a failed command,
// so a lost write must have preceded it) returns an error wrapping
// ErrUnpredictable: the caller must then not claim the key count. Files must
// be valid (Check OK, e.g. Salvage output); a problem returns an error
// wrapping ErrCorrupt.
func PredictKeys(at time.Time, files ...[]byte) (KeyPrediction, error) {
	m := keyModel{dbs: map[int]map[string]*modelKey{}}
	var pred KeyPrediction
	for i, data := range files {
		res, err := Check(data)
		if err != nil {
			return pred, fmt.Errorf("predict keys: file %d: %w", i, err)
		}
		if !res.OK() {
			return pred, fmt.Errorf("predict keys: file %d: offset %d: %s: %w", i, res.ProblemAt, res.Problem, ErrCorrupt)
		}
		if res.PreambleSize > 0 {
			if err := m.seed(data); err != nil {
				return pred, fmt.Errorf("predict keys: file %d: rdb preamble: %w", i, err)
			}
		}
		var modelErr error
		scan(data, res.PreambleSize, visitor{command: func(c Command) bool {
			if err := m.apply(c.Args); err != nil {
				modelErr = fmt.Errorf("predict keys: file %d: offset %d: %w", i, c.Offset, err)
				return false
			}
			pred.Commands++
			return true
		}})
		if modelErr != nil {
			return pred, modelErr
		}
	}
	atMS := at.UnixMilli()
	pred.ByDB = map[int]int64{}
	for db, keys := range m.dbs {
		for name, k := range keys {
			if k.fieldExpireAt != 0 && (k.fieldExpireAt < 0 || at.IsZero() || k.fieldExpireAt <= atMS) {
				return pred, fmt.Errorf("predict keys: hash %q (db %d) from the rdb has fields expiring at %d ms, not after %d (it may have emptied): %w", name, db, k.fieldExpireAt, atMS, ErrUnpredictable)
			}
			if k.expireAt != 0 {
				if at.IsZero() || k.expireAt <= atMS {
					return pred, fmt.Errorf("predict keys: key %q (db %d) expires at %d ms, not after %d: %w", name, db, k.expireAt, atMS, ErrUnpredictable)
				}
				pred.Volatile++
			}
		}
		if len(keys) > 0 {
			pred.ByDB[db] = int64(len(keys))
			pred.Keys += int64(len(keys))
		}
	}
	return pred, nil
}

// modelKey is one key of the model.
type modelKey struct {
	kind     byte                // 's' string, 'h' hash, 'l' list, 't' set, 'z' zset, 'x' stream, 'm' module (seeded only)
	members  map[string]struct{} // hash fields, set and zset members
	length   int64               // list length
	expireAt int64               // unix ms, 0 without TTL
	// opaque: seeded from an RDB, the members (or list length) are
	// unknown beyond those added since; the key is known to be non-empty.
	opaque bool
	// fieldExpireAt: seeded hash with field TTLs, the earliest (unix ms);
	// -1 unknown, 0 none.
	fieldExpireAt int64
}

// rdbKinds maps rdb.KeyEntry.Kind to the model's kinds.
var rdbKinds = map[string]byte{"string": 's', "list": 'l', "set": 't', "zset": 'z', "hash": 'h', "stream": 'x', "module": 'm'}

// seed adds the keys of the RDB (base file or preamble) data starts with.
func (m *keyModel) seed(data []byte) error {
	var modelErr error // what stopped the walk, if the model did
	info, err := rdb.WalkKeys(data, func(e rdb.KeyEntry) error {
		kind, ok := rdbKinds[e.Kind()]
		if !ok {
			modelErr = fmt.Errorf("key %q (db %d): value type %d outside the key model: %w", e.Key, e.DB, e.Type, ErrUnpredictable)
			return modelErr
		}
		keys := m.dbs[e.DB]
		if keys == nil {
			keys = map[string]*modelKey{}
			m.dbs[e.DB] = keys
		}
		name := string(e.Key)
		if _, dup := keys[name]; dup {
			modelErr = fmt.Errorf("key %q (db %d) loaded twice (Redis refuses a duplicate key): %w", name, e.DB, ErrUnpredictable)
			return modelErr
		}
		k := &modelKey{kind: kind, expireAt: e.ExpireAtMs, fieldExpireAt: e.FieldExpireMinMs}
		switch kind {
		case 'h', 't', 'z':
			k.members, k.opaque = map[string]struct{}{}, true
		case 'l':
			k.opaque = true
		}
		keys[name] = k
		return nil
	})
	switch {
	case modelErr != nil:
		return modelErr
	case err != nil:
		return fmt.Errorf("%v: %w", err, ErrCorrupt)
	case info.Structure != rdb.StructureFull:
		return fmt.Errorf("structure walk stopped at a value it cannot skip, the keys after it are unknown: %w", ErrUnpredictable)
	}
	return nil
}

// opaqueShrink is the error for a command that may empty a seeded
// aggregate whose contents are unknown.
func opaqueShrink(name, k string) error {
	return fmt.Errorf("%s on %q, whose contents the rdb base holds unseen (it may empty the key): %w", name, k, ErrUnpredictable)
}

// keyModel is the keyspace PredictKeys replays on.
type keyModel struct {
	db  int
	dbs map[int]map[string]*modelKey
}

func (m *keyModel) keys() map[string]*modelKey {
	d := m.dbs[m.db]
	if d == nil {
		d = map[string]*modelKey{}
		m.dbs[m.db] = d
	}
	return d
}

// get returns key k, which must have kind (when it exists).
func (m *keyModel) get(k string, kind byte) (*modelKey, error) {
	v := m.keys()[k]
	if v != nil && v.kind != kind {
		return nil, fmt.Errorf("key %q: type %c where %c was expected (a write was lost?): %w", k, v.kind, kind, ErrUnpredictable)
	}
	return v, nil
}

// make returns key k of kind, creating it.
func (m *keyModel) make(k string, kind byte) (*modelKey, error) {
	v, err := m.get(k, kind)
	if err != nil || v != nil {
		return v, err
	}
	v = &modelKey{kind: kind}
	if kind == 'h' || kind == 't' || kind == 'z' {
		v.members = map[string]struct{}{}
	}
	m.keys()[k] = v
	return v, nil
}

// setString replaces k by a string (SET semantics: any type is replaced).
func (m *keyModel) setString(k string, keepTTL bool, expireAt int64) {
	old := m.keys()[k]
	v := &modelKey{kind: 's', expireAt: expireAt}
	if keepTTL && old != nil {
		v.expireAt = old.expireAt
	}
	m.keys()[k] = v
}

// dropIfEmpty deletes an aggregate key left without elements.
func (m *keyModel) dropIfEmpty(k string, v *modelKey) {
	if v.opaque {
		return
	}
	if (v.members != nil && len(v.members) == 0) || (v.kind == 'l' && v.length <= 0) {
		delete(m.keys(), k)
	}
}

// apply replays one command.
func (m *keyModel) apply(argv [][]byte) error {
	args := make([]string, len(argv))
	for i, a := range argv {
		args[i] = string(a)
	}
	name := strings.ToUpper(args[0])
	arity := func(min int, even bool) error {
		if len(args) < min || (even && (len(args)-min)%2 != 0) {
			return fmt.Errorf("%s: %d arguments: %w", name, len(args)-1, ErrUnpredictable)
		}
		return nil
	}
	intArg := func(s string) (int64, error) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: integer %q: %w", name, s, ErrUnpredictable)
		}
		return v, nil
	}
	keys := m.keys()
	switch name {
	case "MULTI", "EXEC":
	case "SELECT":
		if err := arity(2, false); err != nil {
			return err
		}
		db, err := intArg(args[1])
		if err != nil {
			return err
		}
		m.db = int(db)
	case "FLUSHALL":
		m.dbs = map[int]map[string]*modelKey{}
	case "FLUSHDB":
		delete(m.dbs, m.db)
	case "SET":
		if err := arity(3, false); err != nil {
			return err
		}
		var nx, xx, keep bool
		var exp int64
		for i := 3; i < len(args); i++ {
			switch o := strings.ToUpper(args[i]); o {
			case "NX":
				nx = true
			case "XX":
				xx = true
			case "GET":
			case "KEEPTTL":
				keep = true
			case "EXAT", "PXAT":
				if i+1 >= len(args) {
					return arity(len(args)+1, false)
				}
				v, err := intArg(args[i+1])
				if err != nil {
					return err
				}
				if o == "EXAT" {
					v *= 1000
				}
				exp, i = v, i+1
			case "EX", "PX":
				return fmt.Errorf("SET with relative %s: %w", o, ErrUnpredictable)
			default:
				return fmt.Errorf("SET option %q: %w", args[i], ErrUnpredictable)
			}
		}
		_, exists := keys[args[1]]
		if (nx && exists) || (xx && !exists) {
			return nil
		}
		m.setString(args[1], keep, exp)
	case "SETNX":
		if err := arity(3, false); err != nil {
			return err
		}
		if _, ok := keys[args[1]]; !ok {
			m.setString(args[1], false, 0)
		}
	case "MSET", "MSETNX":
		if err := arity(3, true); err != nil {
			return err
		}
		if name == "MSETNX" {
			for i := 1; i < len(args); i += 2 {
				if _, ok := keys[args[i]]; ok {
					return nil
				}
			}
		}
		for i := 1; i < len(args); i += 2 {
			m.setString(args[i], false, 0)
		}
	case "GETSET":
		if err := arity(3, false); err != nil {
			return err
		}
		m.setString(args[1], false, 0)
	case "APPEND", "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT":
		if err := arity(2, false); err != nil {
			return err
		}
		if _, err := m.make(args[1], 's'); err != nil {
			return err
		}
	case "SETRANGE":
		if err := arity(4, false); err != nil {
			return err
		}
		if args[3] == "" { // never creates a key
			return nil
		}
		if _, err := m.make(args[1], 's'); err != nil {
			return err
		}
	case "GETDEL", "DEL", "UNLINK":
		if err := arity(2, false); err != nil {
			return err
		}
		for _, k := range args[1:] {
			delete(keys, k)
		}
	case "EXPIREAT", "PEXPIREAT":
		if err := arity(3, false); err != nil {
			return err
		}
		v, err := intArg(args[2])
		if err != nil {
			return err
		}
		if name == "EXPIREAT" {
			v *= 1000
		}
		if k := keys[args[1]]; k != nil {
			k.expireAt = v
		}
	case "PERSIST":
		if err := arity(2, false); err != nil {
			return err
		}
		if k := keys[args[1]]; k != nil {
			k.expireAt = 0
		}
	case "RENAME", "RENAMENX":
		if err := arity(3, false); err != nil {
			return err
		}
		src := keys[args[1]]
		if src == nil {
			return fmt.Errorf("%s of missing key %q (a write was lost?): %w", name, args[1], ErrUnpredictable)
		}
		if _, ok := keys[args[2]]; ok && name == "RENAMENX" {
			return nil
		}
		delete(keys, args[1])
		keys[args[2]] = src
	case "HSET", "HMSET", "HSETNX", "HINCRBY", "HINCRBYFLOAT":
		if err := arity(4, name == "HSET" || name == "HMSET"); err != nil {
			return err
		}
		k, err := m.make(args[1], 'h')
		if err != nil {
			return err
		}
		if name == "HSET" || name == "HMSET" {
			for i := 2; i < len(args); i += 2 {
				k.members[args[i]] = struct{}{}
			}
		} else {
			k.members[args[2]] = struct{}{}
		}
	case "HDEL", "SREM", "ZREM":
		if err := arity(3, false); err != nil {
			return err
		}
		kind := map[string]byte{"HDEL": 'h', "SREM": 't', "ZREM": 'z'}[name]
		k, err := m.get(args[1], kind)
		if err != nil || k == nil {
			return err
		}
		if k.opaque {
			return opaqueShrink(name, args[1])
		}
		for _, f := range args[2:] {
			delete(k.members, f)
		}
		m.dropIfEmpty(args[1], k)
	case "LPUSH", "RPUSH", "LPUSHX", "RPUSHX":
		if err := arity(3, false); err != nil {
			return err
		}
		if k, err := m.get(args[1], 'l'); err != nil || (k == nil && strings.HasSuffix(name, "X")) {
			return err
		}
		k, _ := m.make(args[1], 'l')
		k.length += int64(len(args) - 2)
	case "LPOP", "RPOP":
		if err := arity(2, false); err != nil {
			return err
		}
		count := int64(1)
		if len(args) > 2 {
			c, err := intArg(args[2])
			if err != nil {
				return err
			}
			count = c
		}
		k, err := m.get(args[1], 'l')
		if err != nil || k == nil {
			return err
		}
		if k.opaque && count > 0 {
			return opaqueShrink(name, args[1])
		}
		k.length -= min(count, k.length)
		m.dropIfEmpty(args[1], k)
	case "LTRIM":
		if err := arity(4, false); err != nil {
			return err
		}
		start, err := intArg(args[2])
		if err != nil {
			return err
		}
		stop, err := intArg(args[3])
		if err != nil {
			return err
		}
		k, err := m.get(args[1], 'l')
		if err != nil || k == nil {
			return err
		}
		if k.opaque {
			return opaqueShrink(name, args[1])
		}
		k.length = ltrimLength(k.length, start, stop)
		m.dropIfEmpty(args[1], k)
	case "SADD":
		if err := arity(3, false); err != nil {
			return err
		}
		k, err := m.make(args[1], 't')
		if err != nil {
			return err
		}
		for _, v := range args[2:] {
			k.members[v] = struct{}{}
		}
	case "ZINCRBY":
		if err := arity(4, false); err != nil {
			return err
		}
		k, err := m.make(args[1], 'z')
		if err != nil {
			return err
		}
		k.members[args[3]] = struct{}{}
	case "ZADD":
		return m.zadd(args)
	case "XADD":
		if err := arity(5, false); err != nil {
			return err
		}
		k, err := m.get(args[1], 'x')
		if err != nil {
			return err
		}
		if k == nil {
			for _, a := range args[2:] {
				if strings.EqualFold(a, "NOMKSTREAM") {
					return nil
				}
			}
			_, _ = m.make(args[1], 'x')
		}
	case "XDEL", "XTRIM", "XSETID": // a stream outlives its entries
		if err := arity(3, false); err != nil {
			return err
		}
		if _, err := m.get(args[1], 'x'); err != nil {
			return err
		}
	default:
		return fmt.Errorf("command %s is outside the key model: %w", name, ErrUnpredictable)
	}
	return nil
}

// zadd replays ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ….
func (m *keyModel) zadd(args []string) error {
	if len(args) < 4 {
		return fmt.Errorf("ZADD: %d arguments: %w", len(args)-1, ErrUnpredictable)
	}
	i, xx := 2, false
	for ; i < len(args); i++ {
		o := strings.ToUpper(args[i])
		if o == "XX" {
			xx = true
		} else if o != "NX" && o != "GT" && o != "LT" && o != "CH" && o != "INCR" {
			break
		}
	}
	if (len(args)-i) < 2 || (len(args)-i)%2 != 0 {
		return fmt.Errorf("ZADD: %d arguments: %w", len(args)-1, ErrUnpredictable)
	}
	k, err := m.get(args[1], 'z')
	if err != nil {
		return err
	}
	if xx { // updates only: never adds a member or creates the key
		return nil
	}
	if k == nil {
		k, _ = m.make(args[1], 'z')
	}
	for ; i+1 < len(args); i += 2 {
		k.members[args[i+1]] = struct{}{}
	}
	return nil
}

// ltrimLength is the length of a list of n elements after LTRIM start stop.
func ltrimLength(n, start, stop int64) int64 {
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return 0
	}
	return min(stop, n-1) - start + 1
}
