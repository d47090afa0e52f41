package harness

import (
	"strings"
	"testing"
)

// TestScratchSaveScriptSaves checks the save step lands in the branch that
// found the server loaded, before its shutdown.
func TestScratchSaveScriptSaves(t *testing.T) {
	for _, aof := range []bool{false, true} {
		s := scratchSaveScript(Server{}, "/d", aof)
		save := strings.Index(s, "-p 6399 save")
		shutdown := strings.Index(s, "shutdown nosave")
		if save < 0 || shutdown < 0 || save > shutdown {
			t.Fatalf("aof=%v: save must come before the shutdown:\n%s", aof, s)
		}
		if s == scratchScript(Server{}, "/d", aof) {
			t.Fatalf("aof=%v: script unchanged", aof)
		}
	}
}
