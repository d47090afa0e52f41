package backup

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/redisdrill/redisdrill/internal/atomicfile"
)

// Catalog file and folder names.
const (
	ManifestFile = "manifest.json"
	StatusFile   = "verify.json"
	tmpPrefix    = ".tmp-"
	trashPrefix  = ".trash-"
)

// ErrNotFound is returned for an unknown backup id.
var ErrNotFound = errors.New("backup not found")

// Catalog is a directory of backups, one folder per backup. A folder only
// appears under its id once its files and manifest are complete (they are
// written in a hidden temporary folder, then renamed).
type Catalog struct {
	dir string
}

// Open opens (creating if needed) the catalog in dir.
func Open(dir string) (*Catalog, error) {
	if dir == "" {
		return nil, fmt.Errorf("open catalog: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	return &Catalog{dir: abs}, nil
}

// Dir returns the catalog's directory.
func (c *Catalog) Dir() string { return c.dir }

// Path returns the folder of a backup.
func (c *Catalog) Path(id string) string { return filepath.Join(c.dir, id) }

// List returns every complete backup, newest first. Hidden folders
// (half-written or being deleted) and folders without a readable manifest
// are ignored; Scan reports the latter.
func (c *Catalog) List() ([]Manifest, error) {
	list, _, err := c.Scan()
	if err != nil {
		return nil, fmt.Errorf("list catalog: %w", err)
	}
	return list, nil
}

// lostAndFound is the folder fsck keeps at a file system's root; it is
// never a backup.
const lostAndFound = "lost+found"

// StreamDir is the catalog's folder of streaming archives (one folder per
// followed primary, see package archive): not a backup folder itself.
const StreamDir = "stream"

// ErrNoManifest marks a backup folder without a manifest file.
var ErrNoManifest = errors.New("manifest missing")

// Unreadable is a visible folder of the catalog whose manifest is missing
// (Err wraps ErrNoManifest) or cannot be read, decoded or trusted.
type Unreadable struct {
	Dir string // folder name inside the catalog
	Err error  // why the manifest cannot be used
}

// Missing reports whether the folder has no manifest at all.
func (u Unreadable) Missing() bool { return errors.Is(u.Err, ErrNoManifest) }

// Reason is a one-line explanation: "manifest missing" or
// "manifest unreadable: <error>".
func (u Unreadable) Reason() string {
	if u.Missing() {
		return "manifest missing"
	}
	return "manifest unreadable: " + strings.Join(strings.Fields(u.Err.Error()), " ")
}

// Scan reads every visible folder of the catalog. It returns the complete
// backups, newest first (what List returns), and, sorted by folder name,
// the folders whose manifest is missing, unreadable, garbled or names
// another id. Hidden folders (the catalog's own half-written ".tmp-" and
// half-deleted ".trash-" folders), lost+found, the streaming archives'
// folder (StreamDir) and plain files are not backups and are skipped.
func (c *Catalog) Scan() ([]Manifest, []Unreadable, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("scan catalog: %w", err)
	}
	var good []Manifest
	var bad []Unreadable
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || name == lostAndFound || name == StreamDir {
			continue
		}
		m, err := c.readManifest(name)
		if err != nil {
			bad = append(bad, Unreadable{Dir: name, Err: err})
			continue
		}
		good = append(good, m)
	}
	sort.SliceStable(good, func(i, j int) bool {
		if !good[i].Time.Equal(good[j].Time) {
			return good[i].Time.After(good[j].Time)
		}
		return good[i].ID > good[j].ID
	})
	sort.Slice(bad, func(i, j int) bool { return bad[i].Dir < bad[j].Dir })
	return good, bad, nil
}

// Get reads the manifest of one backup.
func (c *Catalog) Get(id string) (Manifest, error) {
	if !validID(id) {
		return Manifest{}, fmt.Errorf("get backup %q: invalid id: %w", id, ErrNotFound)
	}
	m, err := c.readManifest(id)
	if errors.Is(err, ErrNoManifest) {
		return Manifest{}, fmt.Errorf("get backup %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("get backup %s: %w", id, err)
	}
	return m, nil
}

// readManifest reads and checks the manifest in the catalog folder name (a
// plain name, never a path); a missing manifest is ErrNoManifest.
func (c *Catalog) readManifest(name string) (Manifest, error) {
	data, err := os.ReadFile(filepath.Join(c.dir, name, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, ErrNoManifest
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("decode manifest: %w", err)
	}
	if m.ID != name {
		return Manifest{}, fmt.Errorf("manifest says id %q", m.ID)
	}
	if !validID(name) {
		return Manifest{}, fmt.Errorf("check manifest: %q is not a valid backup id", name)
	}
	return m, nil
}

// Status returns the last verification status of a backup (zero when never
// verified).
func (c *Catalog) Status(id string) (Status, error) {
	var s Status
	data, err := os.ReadFile(filepath.Join(c.dir, id, StatusFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read status of %s: %w", id, err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("decode status of %s: %w", id, err)
	}
	return s, nil
}

var idPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,200}$`)

func validID(id string) bool { return idPattern.MatchString(id) && !strings.Contains(id, "..") }

// NewID returns a fresh backup id: UTC time, node name, short random suffix.
func NewID(t time.Time, node string) string {
	var r [3]byte
	_, _ = rand.Read(r[:])
	clean := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			return c
		}
		return '-'
	}, node)
	if clean == "" {
		clean = "node"
	}
	if len(clean) > 60 {
		clean = clean[:60]
	}
	return t.UTC().Format("20060102T150405.000Z") + "-" + clean + "-" + hex.EncodeToString(r[:])
}

// pending is a backup being written in a hidden folder.
type pending struct {
	cat *Catalog
	id  string
	dir string
}

// begin creates the hidden folder of a new backup.
func (c *Catalog) begin(id string) (*pending, error) {
	if !validID(id) {
		return nil, fmt.Errorf("begin backup %q: invalid id", id)
	}
	if _, err := os.Stat(c.Path(id)); err == nil {
		return nil, fmt.Errorf("begin backup %s: already exists", id)
	}
	dir := filepath.Join(c.dir, tmpPrefix+id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("begin backup %s: %w", id, err)
	}
	return &pending{cat: c, id: id, dir: dir}, nil
}

// commit fsyncs every file, writes the manifest atomically and renames the
// folder into place.
func (p *pending) commit(m Manifest) error {
	m.ID = p.id
	for _, f := range m.Files {
		if err := atomicfile.Sync(filepath.Join(p.dir, filepath.FromSlash(f.Name))); err != nil {
			return fmt.Errorf("commit backup %s: %w", p.id, err)
		}
	}
	if err := writeJSONAtomic(filepath.Join(p.dir, ManifestFile), m); err != nil {
		return fmt.Errorf("commit backup %s: %w", p.id, err)
	}
	if err := os.Rename(p.dir, p.cat.Path(p.id)); err != nil {
		return fmt.Errorf("commit backup %s: %w", p.id, err)
	}
	if err := atomicfile.SyncDir(p.cat.dir); err != nil {
		return fmt.Errorf("commit backup %s: %w", p.id, err)
	}
	return nil
}

// abort removes the hidden folder.
func (p *pending) abort() { _ = os.RemoveAll(p.dir) }

// remove deletes a backup: the folder is first renamed to a hidden name so it
// leaves List atomically, then deleted.
func (c *Catalog) remove(id string) error {
	trash := filepath.Join(c.dir, trashPrefix+id)
	if err := os.Rename(c.Path(id), trash); err != nil {
		return fmt.Errorf("remove backup %s: %w", id, err)
	}
	if err := atomicfile.SyncDir(c.dir); err != nil {
		return fmt.Errorf("remove backup %s: %w", id, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("remove backup %s: %w", id, err)
	}
	return nil
}
