package history

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/anishathalye/porcupine"
)

// visualize writes porcupine's HTML visualisation of every key porcupine
// found illegal into dir, returning key → file name.
func visualize(dir string, keys []keyHistory, results []keyResult) (map[string]string, error) {
	files := make(map[string]string)
	used := make(map[string]bool)
	for i, r := range results {
		if r.verdict != porcupine.Illegal {
			continue
		}
		if len(files) == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return files, fmt.Errorf("create visualisation dir: %w", err)
			}
		}
		name := uniqueName(sanitise(keys[i].key), used)
		if err := porcupine.VisualizePath(r.model, r.info, filepath.Join(dir, name)); err != nil {
			return files, fmt.Errorf("visualise key %q: %w", keys[i].key, err)
		}
		files[keys[i].key] = name
	}
	if len(files) == 0 {
		return nil, nil
	}
	return files, nil
}

// maxNameLen keeps file names under common file system limits.
const maxNameLen = 200

// sanitise maps a key to a file name stem of [A-Za-z0-9._-]: every other
// byte becomes '_'. An empty key, or one of only dots, gets a '_' prefix.
func sanitise(key string) string {
	b := []byte(key)
	if len(b) > maxNameLen {
		b = b[:maxNameLen]
	}
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			b[i] = '_'
		}
	}
	s := string(b)
	if strings.Trim(s, ".") == "" {
		s = "_" + s
	}
	return s
}

// uniqueName returns stem.html, or stem-2.html, stem-3.html, … when keys
// sanitise to the same stem.
func uniqueName(stem string, used map[string]bool) string {
	name := stem + ".html"
	for n := 2; used[name]; n++ {
		name = fmt.Sprintf("%s-%d.html", stem, n)
	}
	used[name] = true
	return name
}
