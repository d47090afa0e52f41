package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/internal/aof"
	"github.com/redisdrill/redisdrill/recovery/rdb"
)

// ErrNoVerified is returned when no backup matching a filter verifies.
var ErrNoVerified = errors.New("no verified backup")

// FileCheck is the verification of one file.
type FileCheck struct {
	Name  string    `json:"name"`
	OK    bool      `json:"ok"`
	RDB   *rdb.Info `json:"rdb,omitempty"`
	Error string    `json:"error,omitempty"`
}

// Report is the result of verifying one backup.
type Report struct {
	ID       string      `json:"id"`
	OK       bool        `json:"ok"`
	Time     time.Time   `json:"time"`
	Files    []FileCheck `json:"files"`
	Children []Report    `json:"children,omitempty"`
	Problems []string    `json:"problems,omitempty"`
}

// Verify checks a backup: size and SHA-256 of every file, rdb.Verify of every
// RDB file (CRC and structure), the AOF manifest and files of a data-dir
// backup, and for a cluster backup every shard backup plus slot coverage.
// The result is recorded in the backup's verify.json; the returned error is
// non-nil only when verification could not run.
func (c *Catalog) Verify(id string) (Report, error) {
	rep := Report{ID: id, Time: time.Now().UTC()}
	m, err := c.Get(id)
	if err != nil {
		return rep, fmt.Errorf("verify backup: %w", err)
	}
	dir := c.Path(id)
	for _, f := range m.Files {
		fc := verifyFile(dir, f)
		if !fc.OK {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s", f.Name, fc.Error))
		}
		rep.Files = append(rep.Files, fc)
	}
	if len(m.Files) == 0 && m.Kind != KindCluster {
		rep.Problems = append(rep.Problems, "no files")
	}
	switch m.Kind {
	case KindDataDir:
		aofDir := filepath.Join(dir, dataDirName, rediskit.AOFDirName)
		if st, err := os.Stat(aofDir); err == nil && st.IsDir() {
			if _, err := aof.CheckDir(aofDir); err != nil {
				rep.Problems = append(rep.Problems, err.Error())
			}
		}
	case KindCluster:
		rep.Problems = append(rep.Problems, c.verifyChildren(m, &rep)...)
	}
	rep.OK = len(rep.Problems) == 0
	st := Status{Verified: rep.OK, Time: rep.Time, Problems: rep.Problems}
	if err := writeJSONAtomic(filepath.Join(dir, StatusFile), st); err != nil {
		return rep, fmt.Errorf("verify backup %s: %w", id, err)
	}
	return rep, nil
}

// verifyChildren verifies the shard backups of a cluster backup and that
// together they cover every slot once.
func (c *Catalog) verifyChildren(m Manifest, rep *Report) []string {
	var problems []string
	covered := make([]int, rediskit.TotalSlots)
	if len(m.Children) == 0 {
		problems = append(problems, "cluster backup has no shard backups")
	}
	for _, child := range m.Children {
		cm, err := c.Get(child)
		if err != nil {
			problems = append(problems, fmt.Sprintf("shard backup %s: %v", child, err))
			continue
		}
		if cm.Parent != m.ID {
			problems = append(problems, fmt.Sprintf("shard backup %s names parent %q", child, cm.Parent))
		}
		cr, err := c.Verify(child)
		rep.Children = append(rep.Children, cr)
		if err != nil || !cr.OK {
			problems = append(problems, fmt.Sprintf("shard backup %s fails verification: %v %s", child, err, strings.Join(cr.Problems, "; ")))
		}
		for _, r := range cm.Slots {
			for s := r[0]; s <= r[1] && s >= 0 && s < rediskit.TotalSlots; s++ {
				covered[s]++
			}
		}
	}
	missing, double := 0, 0
	for _, n := range covered {
		switch {
		case n == 0:
			missing++
		case n > 1:
			double++
		}
	}
	if missing > 0 || double > 0 {
		problems = append(problems, fmt.Sprintf("shard backups leave %d slots uncovered and cover %d twice", missing, double))
	}
	return problems
}

// verifyFile checks size and SHA-256 (and the RDB, in the same pass).
func verifyFile(dir string, f File) FileCheck {
	fc := FileCheck{Name: f.Name}
	fail := func(format string, args ...any) FileCheck {
		fc.Error = fmt.Sprintf(format, args...)
		return fc
	}
	if strings.Contains(f.Name, "..") || filepath.IsAbs(f.Name) {
		return fail("unsafe file name")
	}
	fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Name)))
	if err != nil {
		return fail("%v", err)
	}
	defer fh.Close()
	h := sha256.New()
	var size int64
	if isRDB(f.Name) {
		cr := &countingReader{r: io.TeeReader(fh, h)}
		info, err := rdb.Verify(cr)
		fc.RDB = &info
		size = cr.n
		if err != nil {
			return fail("%v", err)
		}
	} else if size, err = io.Copy(h, fh); err != nil {
		return fail("%v", err)
	}
	if size != f.Size {
		return fail("size %d, manifest says %d", size, f.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 {
		return fail("sha256 %s, manifest says %s", sum, f.SHA256)
	}
	fc.OK = true
	return fc
}

// isRDB reports whether a backup file is an RDB Redis would load (dump or
// AOF base); leftover temp-*.rdb files of an interrupted save are not.
func isRDB(name string) bool {
	return strings.HasSuffix(name, ".rdb") && !strings.HasPrefix(path.Base(name), "temp-")
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewestVerified returns the newest backup accepted by filter (nil accepts
// all) that verifies now. Backups whose last verification failed are
// skipped without re-reading; every candidate is re-verified, because files
// can rot after they were written. Shard backups of a cluster backup are
// candidates in their own right.
func (c *Catalog) NewestVerified(filter func(Manifest) bool) (Manifest, error) {
	list, err := c.List()
	if err != nil {
		return Manifest{}, fmt.Errorf("find newest verified backup: %w", err)
	}
	for _, m := range list {
		if filter != nil && !filter(m) {
			continue
		}
		st, err := c.Status(m.ID)
		if err == nil && !st.Time.IsZero() && !st.Verified {
			continue
		}
		rep, err := c.Verify(m.ID)
		if err == nil && rep.OK {
			return m, nil
		}
	}
	return Manifest{}, fmt.Errorf("find newest verified backup: %w", ErrNoVerified)
}

// Prune removes old backups but never one that might still be needed: it
// keeps the keep newest backups, the newest verified backup and everything
// newer than it, and the shard backups of any kept cluster backup. With no
// verified backup nothing is removed. It returns the removed ids.
func (c *Catalog) Prune(keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("prune catalog: keep must be ≥ 1, got %d", keep)
	}
	list, err := c.List()
	if err != nil {
		return nil, fmt.Errorf("prune catalog: %w", err)
	}
	newest := -1
	for i, m := range list {
		if m.Parent != "" {
			continue // shards are judged with their parent
		}
		if rep, err := c.Verify(m.ID); err == nil && rep.OK {
			newest = i
			break
		}
	}
	if newest < 0 {
		return nil, nil
	}
	kept := map[string]bool{}
	var removed []string
	top := 0
	for i, m := range list {
		if m.Parent != "" {
			continue
		}
		if i <= newest || top < keep {
			kept[m.ID] = true
		}
		top++
	}
	for _, m := range list {
		if kept[m.ID] {
			for _, ch := range m.Children {
				kept[ch] = true
			}
		}
	}
	for _, m := range list {
		if kept[m.ID] || (m.Parent != "" && kept[m.Parent]) {
			continue
		}
		if err := c.remove(m.ID); err != nil {
			return removed, fmt.Errorf("prune catalog: %w", err)
		}
		removed = append(removed, m.ID)
	}
	return removed, nil
}
