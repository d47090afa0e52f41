package fault

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/recovery/deploy"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in   string
		want Target
	}{
		{"primary", Target{Role: RolePrimary}},
		{"replica", Target{Role: RoleReplica}},
		{"all", Target{Role: RoleAll}},
		{"shard-primary", Target{Role: RoleShardPrimary}},
		{"shard-primary:2", Target{Role: RoleShardPrimary, Shard: 2}},
		{"node:rd-x-n3", Target{Role: RoleNode, Node: "rd-x-n3"}},
		{"rd-x-n3", Target{Role: RoleNode, Node: "rd-x-n3"}},
	}
	for _, c := range cases {
		got, err := ParseTarget(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		back, err := ParseTarget(got.String())
		if err != nil || back != got {
			t.Errorf("round trip of %q: %+v, %v", c.in, back, err)
		}
	}
	for _, bad := range []string{"", "primary:1", "shard-primary:-1", "shard-primary:x", "node:", "bogus:1", "a b"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q): want error", bad)
		}
	}
}

func TestTargetJSON(t *testing.T) {
	b, err := json.Marshal(Params{Target: Target{Role: RoleShardPrimary, Shard: 1}, Delay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"target":"shard-primary:1"`) {
		t.Fatalf("target not rendered as text: %s", b)
	}
	var p Params
	if err := json.Unmarshal(b, &p); err != nil || p.Target.Shard != 1 || p.Delay != time.Second {
		t.Fatalf("unmarshal: %+v, %v", p, err)
	}
}

func TestParamsValidate(t *testing.T) {
	if err := (Params{}).Validate(); err != nil {
		t.Fatalf("zero params: %v", err)
	}
	bad := []Params{
		{Delay: -time.Second}, {LossPercent: 101}, {LossPercent: -1}, {Companions: -1},
		{Bytes: -1}, {LeaveBytes: -1}, {Timeout: -1}, {Target: Target{Role: "boss"}},
		{Target: Target{Role: RoleNode}},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v): want error", p)
		}
	}
}

func TestRegistry(t *testing.T) {
	cat := Catalog()
	if len(cat) != 24 {
		t.Fatalf("catalog has %d faults, want 24", len(cat))
	}
	for _, info := range cat {
		if info.Description == "" {
			t.Errorf("%s has no description", info.Name)
		}
		f, err := New(info.Name, Params{})
		if err != nil {
			t.Fatalf("New(%s): %v", info.Name, err)
		}
		if f.Name() != info.Name {
			t.Errorf("New(%s).Name() = %s", info.Name, f.Name())
		}
		// Heal before any Inject must be a harmless no-op.
		if err := f.Heal(context.Background(), (&harness.Deployment{}).Engine()); err != nil {
			t.Errorf("%s: heal without inject: %v", info.Name, err)
		}
	}
	_, err := New("explode", Params{})
	if err == nil || !strings.Contains(err.Error(), "kill") || !strings.Contains(err.Error(), "wipe-data-dir") {
		t.Fatalf("unknown name: want error listing known faults, got %v", err)
	}
	if _, err := New("delay", Params{Delay: -1}); err == nil {
		t.Fatal("invalid params: want error")
	}
}

// countingFault counts Heal calls and checks the heal context. Its Inject
// spends prep on read-only work, marks the onset (unless noMark), spends
// latency on "destructive" work and returns inject; failEarly returns inject
// before marking.
type countingFault struct {
	heals     int
	ctxErr    error
	inject    error
	failEarly bool
	noMark    bool
	prep      time.Duration
	latency   time.Duration
	markedAt  time.Time
}

func (f *countingFault) Name() string { return "counting" }
func (f *countingFault) Inject(ctx context.Context, _ deploy.Deployment, onset *Onset) error {
	time.Sleep(f.prep)
	if f.failEarly {
		return f.inject
	}
	if !f.noMark {
		onset.Mark()
		f.markedAt = onset.At()
	}
	time.Sleep(f.latency)
	return f.inject
}
func (f *countingFault) Heal(ctx context.Context, _ deploy.Deployment) error {
	f.heals++
	f.ctxErr = ctx.Err()
	return nil
}

func TestOnsetZeroBeforeMark(t *testing.T) {
	var o Onset
	if !o.At().IsZero() {
		t.Fatalf("At before Mark = %v, want zero", o.At())
	}
	var none *Onset
	none.Mark() // must not panic
	if !none.At().IsZero() {
		t.Fatal("nil onset must report the zero time")
	}
}

func TestOnsetFirstMarkWins(t *testing.T) {
	var o Onset
	before := time.Now()
	o.Mark()
	after := time.Now()
	first := o.At()
	if first.Before(before) || first.After(after) {
		t.Fatalf("At = %v, want within [%v, %v]", first, before, after)
	}
	time.Sleep(5 * time.Millisecond)
	o.Mark()
	if got := o.At(); !got.Equal(first) {
		t.Fatalf("second Mark moved the onset from %v to %v", first, got)
	}
}

func TestOnsetConcurrentMarks(t *testing.T) {
	var o Onset
	const n = 64
	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	release := make(chan struct{})
	seen := make([]time.Time, n)
	before := time.Now()
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			ready.Done()
			<-release
			o.Mark()
			seen[i] = o.At()
		}()
	}
	ready.Wait()
	close(release)
	done.Wait()
	at := o.At()
	if at.IsZero() || at.Before(before) {
		t.Fatalf("onset %v after concurrent marks (started %v)", at, before)
	}
	for i, s := range seen {
		if !s.Equal(at) {
			t.Fatalf("goroutine %d saw onset %v, want the single first mark %v", i, s, at)
		}
	}
}

func TestApplyStampsOnsetNotReturn(t *testing.T) {
	f := &countingFault{prep: 20 * time.Millisecond, latency: 60 * time.Millisecond}
	before := time.Now()
	inj, err := Apply(context.Background(), (&harness.Deployment{}).Engine(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !inj.Start.Equal(f.markedAt) {
		t.Fatalf("Start = %v, want the marked onset %v", inj.Start, f.markedAt)
	}
	if inj.Start.Sub(before) < f.prep {
		t.Fatalf("Start %v is before the read-only prep ended (began %v)", inj.Start, before)
	}
	if d := inj.Applied.Sub(inj.Start); d < f.latency {
		t.Fatalf("Applied - Start = %v, want >= the %v spent after the onset", d, f.latency)
	}
	rec := inj.Record()
	if !rec.Start.Equal(inj.Start) || !rec.Applied.Equal(inj.Applied) {
		t.Fatalf("record start/applied = %v/%v, want %v/%v", rec.Start, rec.Applied, inj.Start, inj.Applied)
	}
	if !strings.Contains(rec.String(), `"applied":`) {
		t.Fatalf("record JSON lacks applied: %s", rec)
	}
}

func TestApplyRequiresOnsetMark(t *testing.T) {
	inj, err := Apply(context.Background(), (&harness.Deployment{}).Engine(), &countingFault{noMark: true})
	if err == nil || !strings.Contains(err.Error(), "inject counting: fault did not mark its onset") {
		t.Fatalf("Apply without Mark = %v; want the missing-onset error", err)
	}
	if inj == nil || !inj.Start.IsZero() || inj.Applied.IsZero() {
		t.Fatalf("injection = %+v; want zero Start, Applied set", inj)
	}
	if inj.Record().Error == "" {
		t.Fatal("record must carry the missing-onset error")
	}
}

func TestInjectionHealsOnceEvenCancelled(t *testing.T) {
	f := &countingFault{}
	inj, err := Apply(context.Background(), (&harness.Deployment{}).Engine(), f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := inj.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if f.heals != 1 {
		t.Fatalf("heal ran %d times, want 1", f.heals)
	}
	if f.ctxErr != nil {
		t.Fatalf("heal got a cancelled context: %v", f.ctxErr)
	}
	if !inj.Healed() || inj.End.Before(inj.Applied) || inj.Applied.Before(inj.Start) {
		t.Fatalf("want Start %v <= Applied %v <= End %v", inj.Start, inj.Applied, inj.End)
	}
	rec := inj.Record()
	if _, err := json.Marshal(rec); err != nil || rec.Name != "counting" {
		t.Fatalf("record: %+v, %v", rec, err)
	}
}

func TestApplyReturnsInjectionOnError(t *testing.T) {
	boom := errors.New("boom")
	inj, err := Apply(context.Background(), (&harness.Deployment{}).Engine(), &countingFault{inject: boom, failEarly: true})
	if !errors.Is(err, boom) || inj == nil {
		t.Fatalf("Apply = %v, %v; want the injection and the error", inj, err)
	}
	if inj.Record().Error == "" {
		t.Fatal("record must carry the inject error")
	}
	if !inj.Start.IsZero() || inj.Applied.IsZero() {
		t.Fatalf("failed before the onset: Start = %v (want zero), Applied = %v (want set)", inj.Start, inj.Applied)
	}
	inj, err = Apply(context.Background(), (&harness.Deployment{}).Engine(), &countingFault{inject: boom})
	if !errors.Is(err, boom) || inj == nil || inj.Start.IsZero() {
		t.Fatalf("failed after the onset: %v, Start %v; want the error and Start set", err, inj.Start)
	}
	if _, err := Apply(context.Background(), nil, &countingFault{}); err == nil {
		t.Fatal("nil deployment: want error")
	}
}

func TestManifestAndCommands(t *testing.T) {
	m := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	entries, err := parseManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	last, err := lastIncr(entries)
	if err != nil || last != "appendonly.aof.2.incr.aof" {
		t.Fatalf("lastIncr = %q, %v", last, err)
	}
	if _, err := parseManifest("file x seq\n"); err == nil {
		t.Fatal("odd fields: want error")
	}
	if _, err := lastIncr(entries[:1]); err == nil {
		t.Fatal("no incr: want error")
	}
	aof := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\n*b\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv"
	starts := commandStarts([]byte(aof))
	if len(starts) != 2 || starts[0] != 0 || aof[starts[1]] != '*' || !strings.HasPrefix(aof[starts[1]:], "*3\r\n$3\r\nSET") {
		t.Fatalf("commandStarts = %v (the partial last command must not count)", starts)
	}
	if got := nearest([]int64{0, 10, 40}, 22); got != 10 {
		t.Fatalf("nearest = %d", got)
	}
	if gw := parseDefaultGateway("default via 172.23.0.1 dev eth0 \n"); gw != "172.23.0.1" {
		t.Fatalf("gateway = %q", gw)
	}
}

// TestLevelCoversEveryFault: every registered fault has a level, and the
// corruptions crash the server rather than the machine.
func TestLevelCoversEveryFault(t *testing.T) {
	for _, name := range Names() {
		if Level(name) == "" {
			t.Errorf("fault %s has no level", name)
		}
	}
	for name, want := range map[string]string{"kill": LevelMachineCrash, "machine-crash": LevelMachineCrash, "crash": LevelCrash, "rdb-bitflip": LevelCrash, "stop": LevelService, "pause": LevelMachineFreeze} {
		if got := Level(name); got != want {
			t.Errorf("Level(%s) = %q, want %q", name, got, want)
		}
	}
	if Level("no-such-fault") != "" {
		t.Error("an unknown fault has a level")
	}
}
