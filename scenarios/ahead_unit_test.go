package scenarios_test

import "testing"

// TestWillRunAppliesGinkgosFilters checks the spec filter the drill specs
// use to tell the pool what runs next against Ginkgo's own rules: focus
// and skip are regexps over the suite description and the spec's full
// text, the label filter a Ginkgo label expression.
func TestWillRunAppliesGinkgosFilters(t *testing.T) {
	s := aheadSpec{text: "drill primary-kill-engine [probe]", labels: []string{"recovery", "detect:probe"}}
	cases := []struct {
		name        string
		focus, skip []string
		labels      string
		want        bool
	}{
		{"no filter", nil, nil, "", true},
		{"focus matches", []string{`drill primary-kill-engine( \[probe\])?$`}, nil, "", true},
		{"focus on the suite description", []string{`^redisdrill scenarios drill primary`}, nil, "", true},
		{"focus misses", []string{`drill smoke`}, nil, "", false},
		{"either focus", []string{`drill smoke`, `kill-engine`}, nil, "", true},
		{"skip matches", nil, []string{`\[probe\]`}, "", false},
		{"label matches", nil, nil, "detect:probe && recovery", true},
		{"label excludes", nil, nil, "!detect:probe", false},
		{"focus and label", []string{`primary`}, nil, "smoke", false},
		{"bad focus lets it run", []string{`(`}, nil, "", true},
	}
	for _, c := range cases {
		if got := willRun(c.focus, c.skip, c.labels, s); got != c.want {
			t.Errorf("%s: willRun = %v, want %v", c.name, got, c.want)
		}
	}
}
