package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
)

// Cheap decisions. The AOF strategies (salvage-aof, rebuild-manifest,
// repair-aof) decide from what is already known or cheap to read: the
// incident's classification (Redis's refusal line names the file it
// refused), the node's AOF manifest (one small file) and, while the node's
// machine is up, the names in its appendonlydir. Their Estimates copy no
// data dir, start no scratch server and keep nothing heavy in the
// incident. The proof — copy the directory out, repair a copy, load it in
// a scratch server — runs in Execute, for the chosen strategy only, before
// anything on the node changes; a proof that fails hands the incident back
// to the engine (errReplan), which decides again without the strategy.
//
// Where the loss is not known before the proof, an Estimate forecasts
// conservatively and says so in Why: never better than the newest verified
// backup, since Execute hands the incident back when the proven copy keeps
// fewer keys than that backup holds (unless the strategy was asked for by
// name), and the figures keep the order the proofs would give: salvage
// keeps every command a cut at the first bad byte keeps, and more.

// aofView is what an Estimate knows of the failed node's appendonlydir
// without copying it.
type aofView struct {
	// manifest is the node's own manifest, nil when it is missing or does
	// not parse (manifestWhy says which).
	manifest    *aof.Manifest
	manifestWhy string
	// names are the directory's file names, nil when they were not
	// listed: on a machine that is down a listing would stream every file
	// through the Docker API.
	names  []string
	listed bool // the listing was tried
}

// aofManifestPath is the manifest of a node's appendonlydir.
func aofManifestPath(n deploy.Node) string {
	return aofDirPath(n) + "/appendonly.aof.manifest"
}

// aofDirPath is a node's appendonlydir.
func aofDirPath(n deploy.Node) string { return n.DataDir() + "/" + rediskit.AOFDirName }

// aofViewTimeout bounds the node reads of one aofFacts call.
const aofViewTimeout = 2 * time.Second

// aofFacts returns what the AOF strategies' Estimates may read of the
// failed node's appendonlydir, reading it on first use: the manifest
// through the Docker API (which works on a stopped node) and, when list is
// set and the node's machine runs, an ls of the directory. Both are small.
func (i *Incident) aofFacts(ctx context.Context, list bool) *aofView {
	// Estimates run concurrently (Engine.plan): one reads, the others wait.
	i.aofMu.Lock()
	defer i.aofMu.Unlock()
	n := i.Failed
	rctx, cancel := context.WithTimeout(ctx, aofViewTimeout)
	defer cancel()
	v := i.aofView
	if v == nil && list {
		// One exec reads both where the machine runs: a copy, a state
		// check and an exec in a row cost decide ~150 ms.
		v = readAOFDirOnce(rctx, n)
		i.aofView = v
	}
	if v == nil {
		v = &aofView{}
		data, err := n.ReadFile(rctx, aofManifestPath(n))
		if err != nil {
			v.manifestWhy = fmt.Sprintf("no manifest read: %v", err)
		} else if m, err := aof.ParseManifest(data); err != nil {
			v.manifestWhy = fmt.Sprintf("the manifest does not parse: %v", err)
		} else {
			v.manifest = &m
		}
		i.aofView = v
	}
	if list && !v.listed {
		v.listed = true
		if up, err := n.MachineRunning(rctx); err == nil && up {
			code, out, err := n.Exec(rctx, "ls", "-1", n.DataDir()+"/"+rediskit.AOFDirName)
			if err == nil && code == 0 {
				v.names = append([]string{}, strings.Fields(out)...)
			}
		}
	}
	return v
}

// aofOnceSep separates the manifest from the listing in readAOFDirOnce.
const aofOnceSep = "@@redisdrill-ls@@"

// readAOFDirOnce reads the manifest and lists the appendonlydir of a node
// whose machine runs, in one exec; nil when the exec cannot run (the
// machine is down), for the caller to read the manifest through the
// Docker API instead.
func readAOFDirOnce(ctx context.Context, n deploy.Node) *aofView {
	dir := aofDirPath(n)
	script := fmt.Sprintf(`if [ -f %[1]s ]; then echo have; cat %[1]s; else echo none; fi; echo %[2]s; ls -1 %[3]s`, aofManifestPath(n), aofOnceSep, dir)
	code, out, err := n.Exec(ctx, "sh", "-c", script)
	if err != nil {
		return nil
	}
	head, listing, ok := strings.Cut(out, aofOnceSep+"\n")
	if !ok {
		head, listing = strings.TrimSuffix(out, aofOnceSep), ""
	}
	v := &aofView{listed: true}
	if code == 0 {
		v.names = append([]string{}, strings.Fields(listing)...)
	}
	switch first, body, _ := strings.Cut(head, "\n"); first {
	case "have":
		if m, err := aof.ParseManifest([]byte(body)); err != nil {
			v.manifestWhy = fmt.Sprintf("the manifest does not parse: %v", err)
		} else {
			v.manifest = &m
		}
	default:
		v.manifestWhy = "no manifest read: " + aofManifestPath(n) + " does not exist"
	}
	return v
}

// orphans returns the AOF files of the directory its manifest does not
// list (every AOF file when there is no manifest), or nil when the names
// are not known.
func (v *aofView) orphans() []string {
	if v.names == nil {
		return nil
	}
	listed := map[string]bool{}
	if v.manifest != nil {
		for _, en := range v.manifest.Entries {
			listed[en.Name] = true
		}
	}
	out := []string{}
	for _, name := range v.names {
		if aofFileName.MatchString(name) && !listed[name] {
			out = append(out, name)
		}
	}
	return out
}

// lastIncr returns the name of the last incr file the manifest lists ("",
// false when it is not known).
func (v *aofView) lastIncr() (string, bool) {
	if v == nil || v.manifest == nil {
		return "", false
	}
	incr := v.manifest.Incr()
	if len(incr) == 0 {
		return "", true
	}
	return incr[len(incr)-1].Name, true
}

// refusedFileName finds the AOF file Redis names when it refuses one, e.g.
// "Bad file format reading the append only file appendonly.aof.3.incr.aof:
// make a backup ..." (Redis 7: every load error of a base or incr file
// names it).
var refusedFileName = regexp.MustCompile(`[\w.-]+\.[0-9]+\.(?:base\.rdb|base\.aof|incr\.aof)\b`)

// refusedAOFFile returns the AOF file named by the refusal that classified
// the incident, "" when none is named.
func refusedAOFFile(inc *Incident) string {
	if inc.Kind != RefusesStart {
		return ""
	}
	return refusedFileName.FindString(inc.Detail)
}

// isBaseFile reports whether name is an AOF base file.
func isBaseFile(name string) bool { return strings.Contains(name, ".base.") }

// backupLoss is the loss the newest verified backup of the incident's shard
// would cause, -1 when there is none or the pre-fault count is unknown.
// The backup's checksums are verified once per recovery (newestVerified).
func backupLoss(env Env, inc *Incident) int64 {
	m, _, err := env.shardBackup(inc.Shard)
	if err != nil {
		return -1
	}
	return lossVersus(inc.PreFaultKeys, m.Keys)
}

// aofLoss is an AOF strategy's forecast before its proof: guess keys lost,
// never more than backup (the newest verified backup's loss, -1 none),
// since Execute hands the incident back when the proven copy keeps less;
// -1 when the pre-fault key count is unknown.
func aofLoss(pre, guess, backup int64) int64 {
	if pre < 0 {
		return -1
	}
	loss := min(guess, pre)
	if backup >= 0 {
		loss = min(loss, backup)
	}
	return loss
}

// errNotProven marks a proof that failed in Execute: the strategy changed
// no file on the node, so the engine decides again without it.
var errNotProven = fmt.Errorf("not proven, no file on the node changed: %w", errReplan)

// notProven wraps a failed proof of strategy with errNotProven.
func notProven(strategy string, err error) error {
	return fmt.Errorf("prove %s: %w: %w", strategy, err, errNotProven)
}

// worseThanBackup returns an error when the engine chose strategy itself
// and its proven copy, holding keys, loses more than the newest verified
// backup would: the backup is then the better way back. A strategy asked
// for by name is not compared.
func worseThanBackup(env Env, inc *Incident, strategy string, keys int64) error {
	if env.Options().Strategy == strategy {
		return nil
	}
	b := backupLoss(env, inc)
	if b < 0 {
		return nil
	}
	if lost := lossVersus(inc.PreFaultKeys, keys); lost > b {
		return fmt.Errorf("compare with the newest verified backup: the copy keeps %d keys, losing %d of the %d before the fault; the backup loses %d", keys, lost, inc.PreFaultKeys, b)
	}
	return nil
}

// copyAOF is the first step of an AOF strategy's proof, the span "copy
// AOF": the failed node's appendonlydir copied to the host (once per
// incident: a strategy decided again after another's failed proof reads
// the same copy; the engine's Incident.release removes it).
func copyAOF(ctx context.Context, inc *Incident, tl *Timeline, strategy string) (string, error) {
	var src string
	err := tl.Do("copy AOF", func() (string, error) {
		reused := inc.aofSrc != ""
		var err error
		if src, err = inc.aofSource(ctx); err != nil {
			return "", err
		}
		if reused {
			return "the copy made for an earlier strategy", nil
		}
		return inc.Failed.Name() + ":" + aofDirPath(inc.Failed), nil
	})
	if err != nil {
		return "", notProven(strategy, err)
	}
	return src, nil
}

// aofPlan is a repaired copy of a node's appendonlydir, checked by a
// scratch server, ready to install.
type aofPlan struct {
	files    map[string][]byte // name → content, manifest included
	keys     int64             // keys the scratch server loaded (= predicted)
	summary  string
	salvages []Salvage
}

// aofBuild decides the files of a repaired appendonlydir from the host copy
// src: the entries of its manifest, every file's content, and the salvage
// evidence to record once it is installed.
type aofBuild func(src string) ([]aof.ManifestEntry, map[string][]byte, []Salvage, error)

// buildAOFPlan is the first half of the proof of salvage-aof and
// rebuild-manifest, run by Execute before anything on the node changes:
// copy the appendonlydir out ("copy AOF"), let build decide the repaired
// files and predict their key count from the commands (span). Any failure
// wraps errNotProven.
func buildAOFPlan(ctx context.Context, inc *Incident, tl *Timeline, strategy, span string, build aofBuild) (*aofPlan, error) {
	src, err := copyAOF(ctx, inc, tl, strategy)
	if err != nil {
		return nil, err
	}
	p := &aofPlan{}
	err = tl.Do(span, func() (string, error) {
		var entries []aof.ManifestEntry
		var err error
		entries, p.files, p.salvages, err = build(src)
		if err != nil {
			return "", err
		}
		p.files["appendonly.aof.manifest"] = aof.Manifest{Entries: entries}.Format()
		ordered := make([][]byte, 0, len(entries))
		for _, en := range entries {
			ordered = append(ordered, p.files[en.Name])
		}
		pred, err := aof.PredictKeys(time.Now(), ordered...)
		if err != nil {
			return "", fmt.Errorf("predict the repaired AOF's key count (without it the repair is not proven): %w", err)
		}
		p.keys = pred.Keys
		var what []string
		for _, s := range p.salvages {
			what = append(what, s.Detail)
		}
		return fmt.Sprintf("the kept commands predict %d keys; %s", pred.Keys, strings.Join(what, "; ")), nil
	})
	if err != nil {
		return nil, notProven(strategy, err)
	}
	return p, nil
}

// scratchProve is the second half of the proof: the planned files loaded
// in a scratch server of the deployment's image ("scratch load"), which
// must report exactly the predicted key count — and, when the engine chose
// the strategy, keep no fewer keys than the newest verified backup. A
// failure wraps errNotProven.
func scratchProve(ctx context.Context, env Env, inc *Incident, tl *Timeline, strategy string, p *aofPlan) error {
	err := tl.Do("scratch load", func() (string, error) {
		work, err := os.MkdirTemp("", "redisdrill-aof-")
		if err != nil {
			return "", fmt.Errorf("create repair dir: %w", err)
		}
		defer os.RemoveAll(work)
		if err := writeRepairedDir(filepath.Join(work, rediskit.AOFDirName), p.files); err != nil {
			return "", err
		}
		loaded, err := scratchKeys(ctx, env, inc, work)
		if err != nil {
			return "", fmt.Errorf("scratch-load the repaired AOF: %w", err)
		}
		if loaded != p.keys {
			return "", fmt.Errorf("scratch server loaded %d keys from the repaired AOF, its commands predict %d: not installed", loaded, p.keys)
		}
		if err := worseThanBackup(env, inc, strategy, loaded); err != nil {
			return "", err
		}
		p.summary = fmt.Sprintf("%d keys (a scratch server loaded exactly the %d the kept commands predict)", loaded, p.keys)
		return p.summary, nil
	})
	if err != nil {
		return notProven(strategy, err)
	}
	return nil
}

// writeRepairedDir writes files into dir (created).
func writeRepairedDir(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create repair dir: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write repaired %s: %w", name, err)
		}
	}
	return nil
}

// proveAndInstall is Execute of salvage-aof and rebuild-manifest: build
// the repaired appendonlydir from a copy (buildAOFPlan), prove it with a
// scratch load (scratchProve), install it. The node's server goes down
// (replicas held from failing over, the supervised server stopped) beside
// the scratch load, which only reads the copy: a plan that cannot even be
// built touches nothing, and a scratch load that fails leaves every file
// as it was, with the server stopped (it refused its files, or served
// none of them) while the engine decides again. A server that still
// serves (it started empty over its files) first has its writes paused,
// so every write it acknowledged is in the copy and none lands after it.
func proveAndInstall(ctx context.Context, env Env, inc *Incident, tl *Timeline, strategy, span string, build aofBuild) error {
	n := inc.Failed
	paused := false
	if inc.Kind != RefusesStart {
		var err error
		if paused, err = pauseServing(ctx, n, tl); err != nil {
			// An older server without CLIENT PAUSE WRITE: stop it before
			// the copy instead, so no acked write lands after it.
			release, err := holdFailover(ctx, env, inc, tl)
			if err != nil {
				return err
			}
			defer release()
			if err := tl.Do("stop node", func() (string, error) { return n.Name(), ensureStopped(ctx, n) }); err != nil {
				return err
			}
			p, err := buildAOFPlan(ctx, inc, tl, strategy, span, build)
			if err != nil {
				return err
			}
			if err := scratchProve(ctx, env, inc, tl, strategy, p); err != nil {
				return err
			}
			return loadAndRejoin(ctx, env, inc, tl, dataFiles, installPayload(env, p))
		}
	}
	p, err := buildAOFPlan(ctx, inc, tl, strategy, span, build)
	if err != nil {
		if paused {
			// Nothing to install: the node serves on as it was.
			_ = command(context.WithoutCancel(ctx), n, "CLIENT", "UNPAUSE")
		}
		return err
	}
	var release func()
	var downErr error
	down := make(chan struct{})
	go func() {
		defer close(down)
		if release, downErr = holdFailover(ctx, env, inc, tl); downErr != nil {
			return
		}
		downErr = tl.Do("stop node", func() (string, error) { return n.Name(), ensureStopped(ctx, n) })
	}()
	pl := installPayload(env, p)
	staged := make(chan stagedResult, 1)
	go func() { staged <- stageSpan(ctx, tl, inc, pl) }()
	err = scratchProve(ctx, env, inc, tl, strategy, p)
	<-down
	st := <-staged
	if release != nil {
		defer release()
	}
	for _, e := range []error{err, downErr, st.err} {
		if e != nil {
			dropStaged(ctx, n, st.name)
			return e
		}
	}
	return swapAndRejoin(ctx, env, inc, tl, dataFiles, st.name, pl)
}

// pauseServing pauses the writes of a failed node whose server still
// serves (span "pause writes") and says whether it did; the stop that
// follows ends the pause. It fails only when the server answers but
// refuses the pause (one older than CLIENT PAUSE WRITE); a server that
// does not answer is down already and needs no pause.
func pauseServing(ctx context.Context, n deploy.Node, tl *Timeline) (bool, error) {
	c := n.QuickClient(quickTimeout)
	defer c.Close()
	ms := strconv.FormatInt(pauseWritesFor.Milliseconds(), 10)
	start := time.Now()
	err := c.Do(ctx, "CLIENT", "PAUSE", ms, "WRITE").Err()
	var refused redis.Error
	if err != nil && !errors.As(err, &refused) {
		return false, nil
	}
	span := Span{Name: "pause writes", Start: start, End: time.Now(),
		Detail: "CLIENT PAUSE " + ms + " WRITE on " + n.Name() + ": every write it acked is in the copy"}
	if err != nil {
		err = fmt.Errorf("pause writes on %s: %w", n.Name(), err)
		span.Err = err.Error()
	}
	tl.Add(span)
	return err == nil, err
}

// installPayload is what a proven plan installs: the repaired
// appendonlydir, its salvage evidence recorded once it is in place.
func installPayload(env Env, p *aofPlan) payload {
	return payload{
		lay: func(dir string) (string, error) {
			if err := writeRepairedDir(filepath.Join(dir, rediskit.AOFDirName), p.files); err != nil {
				return "", err
			}
			return "repaired " + rediskit.AOFDirName, nil
		},
		installed: func() {
			for _, s := range p.salvages {
				env.noteSalvage(s)
			}
		},
	}
}

// scratchKeys proves a repaired data dir with a scratch server: inside the
// failed node's machine when it is up (a second server process, no
// container start), else in a scratch container of the deployment's image.
func scratchKeys(ctx context.Context, env Env, inc *Incident, hostDir string) (int64, error) {
	// The node's own server may run (it started empty): the scratch one
	// listens on another port, over another folder.
	if up, err := inc.Failed.MachineRunning(ctx); err == nil && up {
		if paused, err := inc.Failed.Paused(ctx); err == nil && !paused {
			return inc.Failed.ScratchKeys(ctx, hostDir, true)
		}
	}
	return env.Deployment().ScratchKeys(ctx, hostDir, true)
}
