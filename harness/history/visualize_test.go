package history

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckVisualizesIllegalKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "viz")
	ops := []Op{
		write(1, 1, "reg/1:x", "a", 0, 10),
		write(2, 1, "reg/1:x", "b", 20, 30),
		read(3, 1, "reg/1:x", 34, 40, got("a")),
		push(1, 2, "l", "x", 0, 10),
		lrange(3, 2, "l", 20, 25, []string{"x"}),
		push(1, 3, "bad list", "y", 0, 10),
		lrange(3, 3, "bad list", 20, 25, []string{"y", "y"}),
	}
	res, err := Check(context.Background(), ops, Options{VisualizeDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"reg/1:x": "reg_1_x.html", "bad list": "bad_list.html"}
	if !maps.Equal(res.Visualizations, want) {
		t.Fatalf("visualizations = %v, want %v", res.Visualizations, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "reg_1_x.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `write(\"b\")`) {
		t.Error("visualisation does not describe the write of b")
	}
	b, err = os.ReadFile(filepath.Join(dir, "bad_list.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `read() → [y y]`) {
		t.Error("list visualisation does not describe the read")
	}
}

func TestSanitiseAndUniqueName(t *testing.T) {
	used := make(map[string]bool)
	for _, tt := range []struct{ key, want string }{
		{"a:b", "a_b.html"},
		{"a/b", "a_b-2.html"},
		{"ok.-_Z9", "ok.-_Z9.html"},
		{"", "_.html"},
		{"..", "_...html"},
		{"ключ", "________.html"},
	} {
		if got := uniqueName(sanitise(tt.key), used); got != tt.want {
			t.Errorf("name of %q = %q, want %q", tt.key, got, tt.want)
		}
	}
	if got := sanitise(strings.Repeat("k", 1000)); len(got) != maxNameLen {
		t.Errorf("long key sanitised to %d bytes, want %d", len(got), maxNameLen)
	}
}
