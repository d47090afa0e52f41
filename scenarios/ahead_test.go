package scenarios_test

import (
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/redisdrill/redisdrill/harness"
)

// suiteDescription is the description RunSpecs gives the suite; Ginkgo
// matches --focus and --skip against it followed by the spec's full text.
const suiteDescription = "redisdrill scenarios"

// aheadSpec is one spec of a container, in the order Ginkgo runs them:
// its full text (container texts and its own), its labels and the
// deployment it starts (nil: none).
type aheadSpec struct {
	text   string
	labels []string
	start  *harness.Spec
}

// queue lists a container's specs so each can tell the suite's pool what
// the next spec that will run starts (session.Env.Next).
type queue struct{ specs []aheadSpec }

// add appends a spec and returns its position.
func (q *queue) add(text string, labels []string, start *harness.Spec) int {
	q.specs = append(q.specs, aheadSpec{text: text, labels: labels, start: start})
	return len(q.specs) - 1
}

// nextAfter is the deployment of the first spec after i that this run's
// focus, skip and label filter let run; nil when there is none, or when the
// order cannot be known (randomized specs, parallel processes).
func (q *queue) nextAfter(i int) *harness.Spec {
	cfg, _ := GinkgoConfiguration()
	if cfg.RandomizeAllSpecs || cfg.ParallelTotal > 1 {
		return nil
	}
	for _, s := range q.specs[i+1:] {
		if willRun(cfg.FocusStrings, cfg.SkipStrings, cfg.LabelFilter, s) {
			return s.start
		}
	}
	return nil
}

// willRun applies Ginkgo's filters (see internal.ApplyFocusToSpecs) to s.
// A filter that does not parse counts as letting s run.
func willRun(focus, skip []string, labelFilter string, s aheadSpec) bool {
	full := suiteDescription + " " + s.text
	if len(focus) > 0 {
		if re, err := regexp.Compile(strings.Join(focus, "|")); err == nil && !re.MatchString(full) {
			return false
		}
	}
	if len(skip) > 0 {
		if re, err := regexp.Compile(strings.Join(skip, "|")); err == nil && re.MatchString(full) {
			return false
		}
	}
	return labelFilter == "" || Label(s.labels...).MatchesLabelFilter(labelFilter)
}
