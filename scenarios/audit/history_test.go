package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/reports"
)

// hop is one history.jsonl line, written by hand; tail adds the reply
// (`"got":"v1"`, `"list":["a"]`) and `"final":true`.
func hop(client int, seq int64, key, typ, f, value string, invoke, complete time.Duration, tail string) string {
	line := fmt.Sprintf(`{"client":%d,"seq":%d,"key":%q,"type":%q,"f":%q,"value":%q,"invoke":%q,"complete":%q,"outcome":"ok"`,
		client, seq, key, typ, f, value, at(invoke), at(complete))
	if tail != "" {
		line += "," + tail
	}
	return line + "}"
}

// historyLines is a clean history on cleanRun's clock: register r written
// v1 then v2 (acked before t0), read v2; list l appended a then b, read
// [a b]; then the final reads. w2 and read move the second write and the
// read; got and list are what the read and the list read return.
func historyLines(w2, read time.Duration, got string, list string) []string {
	return []string{
		hop(1, 1, "r", "register", "write", "v1", -500*ms, -490*ms, ""),
		hop(1, 2, "r", "register", "write", "v2", w2, w2+10*ms, ""),
		hop(2, 1, "r", "register", "read", "", read, read+10*ms, fmt.Sprintf(`"got":%q`, got)),
		hop(3, 1, "l", "list", "append", "a", -500*ms, -490*ms, ""),
		hop(3, 2, "l", "list", "append", "b", -400*ms, -390*ms, ""),
		hop(4, 1, "l", "list", "read", "", -300*ms, -290*ms, `"list":`+list),
		hop(-1, 0, "r", "register", "read", "", 1900*ms, 1901*ms, `"got":"v2","final":true`),
		hop(-1, 1, "l", "list", "read", "", 1900*ms, 1901*ms, `"list":["a","b"],"final":true`),
	}
}

// reportHistory is report.json's history object for lines, as the live
// path reports what the checker found.
func reportHistory(t *testing.T, lines []string, tolerated ...string) *reports.History {
	t.Helper()
	ops, err := history.ReadJSONL(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := history.Check(context.Background(), ops, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &reports.History{CheckedOps: res.CheckedOps, Keys: res.Keys, Linearizable: reports.Tristate(res.Linearizable),
		Anomalies: map[string]int{}, Tolerated: tolerated}
	for k, n := range res.Counts {
		h.Anomalies[k] = n
	}
	return h
}

// TestScenarioHistory re-checks history.jsonl and re-judges it by the
// tolerance rule: each case plants one anomaly or one lie; the audit must
// name it (kind, key, instant) and nothing else.
func TestScenarioHistory(t *testing.T) {
	const staleAt = "key r at 09:59:59.710"
	cases := []struct {
		name   string
		lines  []string
		edit   func(s *reports.ScenarioResult, lines []string)
		status reports.Status
		want   []string
	}{
		{name: "clean", lines: historyLines(-400*ms, -300*ms, "v2", `["a","b"]`), status: reports.StatusPass},
		{
			name:   "stale read, not tolerated",
			lines:  historyLines(-400*ms, -300*ms, "v1", `["a","b"]`),
			status: reports.StatusFail,
			want:   []string{"verdict: the evidence fails on history stale-read (history: 1 stale-read (first: " + staleAt + ": "},
		},
		{
			name:   "stale read, tolerated, its write acked before t_ready",
			lines:  historyLines(-400*ms, -300*ms, "v1", `["a","b"]`),
			edit:   func(s *reports.ScenarioResult, _ []string) { s.Expect.Tolerate = []string{history.KindStaleRead} },
			status: reports.StatusPass,
		},
		{
			name:   "stale read, tolerated, its write acked after t_ready",
			lines:  historyLines(200*ms, 300*ms, "v1", `["a","b"]`),
			edit:   func(s *reports.ScenarioResult, _ []string) { s.Expect.Tolerate = []string{history.KindStaleRead} },
			status: reports.StatusFail,
			want:   []string{"history: 1 stale-read (first: key r at 10:00:00.310: "},
		},
		{
			name:   "duplicated append",
			lines:  historyLines(-400*ms, -300*ms, "v2", `["a","b","b"]`),
			status: reports.StatusFail,
			want:   []string{"fails on history duplicate-append (history: 1 duplicate-append (first: key l at 09:59:59.710: "},
		},
		{
			name:  "report.json fails on the stale read too",
			lines: historyLines(-400*ms, -300*ms, "v1", `["a","b"]`),
			edit: func(s *reports.ScenarioResult, _ []string) {
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{"history: 1 stale-read (first: key r at 09:59:59.710: ...)"}}
			},
			status: reports.StatusFail,
		},
		{
			name:  "report.json fails on an anomaly the history lacks",
			lines: historyLines(-400*ms, -300*ms, "v2", `["a","b"]`),
			edit: func(s *reports.ScenarioResult, _ []string) {
				s.Verdict = reports.Verdict{Status: reports.StatusFail, Reasons: []string{"history: 1 never-written (first: key r at 09:59:59.710: ...)"}}
			},
			status: reports.StatusPass,
			want:   []string{"verdict: report.json fails on history never-written (history: 1 never-written"},
		},
		{
			name:  "older report: tolerated from the history object",
			lines: historyLines(-400*ms, -300*ms, "v1", `["a","b"]`),
			edit: func(s *reports.ScenarioResult, _ []string) {
				s.Expect = nil
				s.History.Tolerated = []string{history.KindStaleRead}
			},
			status: reports.StatusPass,
		},
		{
			name:  "counts and ops lie",
			lines: historyLines(-400*ms, -300*ms, "v1", `["a","b"]`),
			edit: func(s *reports.ScenarioResult, _ []string) {
				s.Expect.Tolerate = []string{history.KindStaleRead}
				s.History.CheckedOps++
				s.History.Linearizable = reports.True
				delete(s.History.Anomalies, history.KindStaleRead)
			},
			status: reports.StatusPass,
			want: []string{"history checked ops: reported 9, history.jsonl gives 8", "history linearizable: reported true, the re-check says false",
				"history stale-read: reported 0, the re-check finds 1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, s := cleanRun(), cleanReport()
			e.history = c.lines
			s.Expect = &reports.Expect{}
			s.History = reportHistory(t, c.lines)
			if c.edit != nil {
				c.edit(&s, c.lines)
			}
			r := auditOne(t, writeOut(t, e, s))
			if r.Status != c.status {
				t.Errorf("audit status %s, want %s (%+v)", r.Status, c.status, r.Verdict)
			}
			if len(r.Diffs) != len(c.want) {
				t.Fatalf("diffs %q, want %d like %q", r.Diffs, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(r.Diffs[i], w) {
					t.Errorf("diff %d = %q, want it to contain %q", i, r.Diffs[i], w)
				}
			}
		})
	}
}

// TestScenarioHistoryFile: report.json's history object needs its
// history.jsonl, a checked history.jsonl needs its history object, and a
// garbled file is named.
func TestScenarioHistoryFile(t *testing.T) {
	lines := historyLines(-400*ms, -300*ms, "v2", `["a","b"]`)
	cases := []struct {
		name string
		edit func(e *evidence, s *reports.ScenarioResult)
		want string
	}{
		{"no history.jsonl", func(e *evidence, _ *reports.ScenarioResult) { e.history = nil },
			"history: report.json records a history check (8 ops on 2 keys), the evidence has no history.jsonl"},
		{"no history object", func(_ *evidence, s *reports.ScenarioResult) { s.History = nil },
			"history: history.jsonl holds the final reads of a checked history, report.json records no history check"},
		{"garbled line", func(e *evidence, _ *reports.ScenarioResult) { e.history[1] = "{" },
			"cannot re-check the history: read history.jsonl: read history line 2: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, s := cleanRun(), cleanReport()
			e.history = append([]string(nil), lines...)
			s.History = reportHistory(t, lines)
			c.edit(&e, &s)
			r := auditOne(t, writeOut(t, e, s))
			if len(r.Diffs) != 1 || !strings.HasPrefix(r.Diffs[0], c.want) {
				t.Errorf("diffs %q, want one starting %q", r.Diffs, c.want)
			}
		})
	}
	t.Run("unchecked history without final reads", func(t *testing.T) {
		e, s := cleanRun(), cleanReport()
		e.history = lines[:6]
		if r := auditOne(t, writeOut(t, e, s)); !r.Agrees() {
			t.Errorf("an unchecked history (its final read failed) is no disagreement: %q", r.Diffs)
		}
	})
}

// An anomaly's missing write acked exactly at t_ready is after it; the
// stale read is dated by its newest missing write, the others by their
// oldest.
func TestAckedAfter(t *testing.T) {
	tReady := t0.Add(120 * ms)
	op := func(seq int64, complete time.Time) history.Op {
		return history.Op{Client: 1, Seq: seq, Complete: complete}
	}
	ops := []history.Op{op(1, tReady.Add(-ms)), op(2, tReady), op(3, tReady.Add(ms))}
	h := &HistoryCheck{ops: map[history.OpRef]*history.Op{}}
	for i := range ops {
		h.ops[ops[i].Ref()] = &ops[i]
	}
	refs := func(seqs ...int64) []history.OpRef {
		var out []history.OpRef
		for _, s := range seqs {
			out = append(out, history.OpRef{Client: 1, Seq: s})
		}
		return out
	}
	for _, c := range []struct {
		kind string
		ops  []history.OpRef
		want bool
	}{
		{history.KindStaleRead, refs(1, 2, 3), true},
		{history.KindStaleRead, refs(1, 3), false},
		{history.KindLostWrite, refs(2, 3), true},
		{history.KindCounterBackwards, refs(1, 3, 2), false},
		{history.KindLostWrite, refs(9, 3), false},
	} {
		if got := h.AckedAfter(history.Anomaly{Kind: c.kind, Ops: c.ops}, tReady); got != c.want {
			t.Errorf("%s %v: AckedAfter = %t, want %t", c.kind, c.ops, got, c.want)
		}
	}
}

// TestHistoryCompareUnknown: a check that ran out of time on either side
// agrees with any linearizable verdict and any non-linearizable count.
func TestHistoryCompareUnknown(t *testing.T) {
	h := &HistoryCheck{Result: history.Result{Linearizable: history.VerdictFalse, Counts: map[string]int{history.KindNonLinearizable: 1}}}
	rep := &reports.History{Linearizable: reports.Unknown, Anomalies: map[string]int{}}
	if d := h.Compare(rep); len(d) != 0 {
		t.Errorf("unknown vs false: %q", d)
	}
	rep.Linearizable = reports.True
	if d := h.Compare(rep); len(d) != 2 {
		t.Errorf("true vs false: %q, want linearizable and non-linearizable", d)
	}
}
