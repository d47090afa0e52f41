package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness/history"
	"github.com/redisdrill/redisdrill/reports"
	"github.com/redisdrill/redisdrill/scenarios/audit"
)

// TestAuditHistoryLies runs one real drill, then plants lies in copies of
// its history.jsonl, each with report.json's history figures made to match
// (the checker's own counts of the edited history), so that only the
// audit's re-judged verdict can catch them: a read edited to return a
// value an acked write had overwritten before the read began (stale-read,
// after t_ready), and a list read edited to list one element twice
// (duplicate-append). Each flips the audit's verdict with a reason that
// names the anomaly, its key and its instant. A history.jsonl gone from
// the evidence is a disagreement too.
func TestAuditHistoryLies(t *testing.T) {
	docker(t)
	work := t.TempDir()
	const name = "primary-kill-engine"
	drillForAudit(t, work, name)
	orig := filepath.Join(work, "drill")
	run, err := reports.ReadRun(filepath.Join(orig, reports.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	s := run.Scenarios[0]
	if s.History == nil || s.History.CheckedOps < 100 || s.Expect == nil {
		t.Fatalf("report.json: want a history of at least 100 checked ops and the expectations, got %+v and %+v", s.History, s.Expect)
	}
	if r := runCLI(t, nil, "audit", orig); r.code != 0 || !strings.Contains(r.stdout, "pass/pass") {
		t.Fatalf("audit in place: want exit 0, pass/pass\n%s", r)
	}
	f, err := audit.Recompute(filepath.Join(orig, name))
	if err != nil || !f.Ready {
		t.Fatalf("recompute: ready %t, err %v", f.Ready, err)
	}

	for _, c := range []struct {
		kind  string
		plant func(t *testing.T, ops []history.Op) *history.Op
	}{
		{history.KindStaleRead, func(t *testing.T, ops []history.Op) *history.Op { return plantStaleRead(t, ops, f.TReady) }},
		{history.KindDuplicateAppend, plantDuplicateAppend},
	} {
		t.Run(c.kind, func(t *testing.T) {
			cp := copyOut(t, orig)
			file := filepath.Join(cp, name, history.FileName)
			ops := readHistoryFile(t, file)
			read := c.plant(t, ops)
			writeHistoryFile(t, file, ops)
			matchHistory(t, cp, ops)
			r := runCLI(t, nil, "audit", cp)
			want := "DISAGREES: verdict: the evidence fails on history " + c.kind + " (history: 1 " + c.kind +
				" (first: key " + read.Key + " at " + read.Complete.Format("15:04:05.000") + ": "
			if r.code != exitFailed || !strings.Contains(r.stdout, "pass/fail") || !strings.Contains(r.stdout, want) ||
				strings.Contains(r.stdout, "reported") {
				t.Errorf("audit of a planted %s: want exit 1, pass/fail and only the verdict's reason %q\n%s", c.kind, want, r)
			}
		})
	}

	t.Run("no history.jsonl", func(t *testing.T) {
		cp := copyOut(t, orig)
		if err := os.Remove(filepath.Join(cp, name, history.FileName)); err != nil {
			t.Fatal(err)
		}
		if r := runCLI(t, nil, "audit", cp); r.code != exitFailed || !strings.Contains(r.stdout, "the evidence has no history.jsonl") {
			t.Errorf("audit without history.jsonl: want exit 1 naming the file\n%s", r)
		}
	})
	if r := runCLI(t, nil, "audit", orig); r.code != 0 {
		t.Errorf("audit of the original after planting in the copies: want exit 0\n%s", r)
	}
}

// plantStaleRead edits a register read invoked after tReady to return
// the value of an acked write that another acked write, completed before
// the read began, had overwritten. It returns the read.
func plantStaleRead(t *testing.T, ops []history.Op, tReady time.Time) *history.Op {
	t.Helper()
	acked := func(op *history.Op) bool { return op.Outcome == history.OutcomeOK && op.F == history.FWrite }
	for i := range ops {
		r := &ops[i]
		if r.Type != history.TypeRegister || r.F != history.FRead || r.Final || r.Outcome != history.OutcomeOK || r.Invoke.Before(tReady) {
			continue
		}
		for j := range ops {
			w2 := &ops[j]
			// w2 may be acked before t_ready too: a CI rehearsal's loaded
			// drill had no key with two acked writes after it.
			if w2.Key != r.Key || !acked(w2) || !w2.Complete.Before(r.Invoke) {
				continue
			}
			for k := range ops {
				w := &ops[k]
				if w.Key == r.Key && acked(w) && w.Complete.Before(w2.Invoke) {
					v := w.Value
					r.Got = &v
					return r
				}
			}
		}
	}
	t.Fatal("the history has no register read after t_ready with two acked writes of its key before it")
	return nil
}

// plantDuplicateAppend edits a list read that lists something to list
// its last element twice. It returns the read.
func plantDuplicateAppend(t *testing.T, ops []history.Op) *history.Op {
	t.Helper()
	for i := range ops {
		r := &ops[i]
		if r.Type == history.TypeList && r.F == history.FRead && !r.Final && r.Outcome == history.OutcomeOK && len(r.List) > 0 {
			r.List = append(r.List, r.List[len(r.List)-1])
			return r
		}
	}
	t.Fatal("the history has no list read that lists an element")
	return nil
}

// matchHistory makes report.json's history figures in out those the
// checker finds in ops: only the verdict then lies.
func matchHistory(t *testing.T, out string, ops []history.Op) {
	t.Helper()
	res, err := history.Check(context.Background(), ops, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	editReport(t, out, func(s *reports.ScenarioResult) {
		s.History.CheckedOps, s.History.Keys = res.CheckedOps, res.Keys
		s.History.Linearizable = reports.Tristate(res.Linearizable)
		s.History.Anomalies = map[string]int{}
		for k, n := range res.Counts {
			s.History.Anomalies[k] = n
		}
	})
}

func readHistoryFile(t *testing.T, path string) []history.Op {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	ops, err := history.ReadJSONL(fh)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func writeHistoryFile(t *testing.T, path string, ops []history.Op) {
	t.Helper()
	var buf bytes.Buffer
	if err := history.WriteJSONL(&buf, ops); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
