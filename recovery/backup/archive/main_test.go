package archive

import (
	"testing"

	"github.com/redisdrill/redisdrill/harness/testenv"
)

// TestMain removes this process's containers on Ctrl-C and after the tests.
func TestMain(m *testing.M) { testenv.Main(m) }
