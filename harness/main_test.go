package harness_test

import (
	"testing"

	"github.com/redisdrill/redisdrill/harness/testenv"
)

// TestMain removes this process's containers on Ctrl-C and after the tests.
// It lives in the external test package: package harness's own tests cannot
// import harness/testenv, which imports harness.
func TestMain(m *testing.M) { testenv.Main(m) }
