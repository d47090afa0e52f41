package session

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/harness"
	"github.com/redisdrill/redisdrill/harness/workload"
	"github.com/redisdrill/redisdrill/recovery/deploy"
	"github.com/redisdrill/redisdrill/reports"
)

// Traffic drives and measures a deployment during a run: the per-shard RTO
// prober (its own client with short timeouts) and the recorded workload.
// Every run has one.
type Traffic struct {
	Client   redis.UniversalClient // the workload's client, also for the final read
	Prober   *workload.Prober
	Workload *workload.Runner

	probeClient redis.UniversalClient
}

// StartTraffic starts the prober (one key per shard) and the workload.
// Close it in every case; Stop ends both and returns the ledger.
func StartTraffic(ctx context.Context, dep Deployment, profile workload.Profile) (*Traffic, error) {
	t := &Traffic{probeClient: dep.Client(harness.ClientOptions{
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, DialTimeout: 200 * time.Millisecond,
	})}
	keys, err := probeKeys(ctx, dep.Engine(), t.probeClient)
	if err != nil {
		t.Close()
		return nil, err
	}
	// Open the probe's connections and learn the slot map before the first
	// tick, so a cold dial on a busy machine is not mistaken for an outage.
	if err := warmProbe(ctx, t.probeClient, keys); err != nil {
		t.Close()
		return nil, err
	}
	if t.Prober, err = workload.StartProber(ctx, t.probeClient, keys, workload.MaxProbeInterval); err != nil {
		t.Close()
		return nil, fmt.Errorf("start prober: %w", err)
	}
	t.Client = dep.Client(harness.ClientOptions{})
	if t.Workload, err = workload.Start(ctx, t.Client, profile); err != nil {
		t.Close()
		return nil, fmt.Errorf("start workload: %w", err)
	}
	return t, nil
}

// Stop ends the workload and the prober and returns the ledger.
func (t *Traffic) Stop() *workload.Ledger {
	ledger := t.Workload.Stop()
	t.Prober.Stop()
	return ledger
}

// Close stops everything still running and closes the clients.
func (t *Traffic) Close() {
	if t.Workload != nil {
		t.Workload.Stop()
	}
	if t.Prober != nil {
		t.Prober.Stop()
	}
	if t.Client != nil {
		_ = t.Client.Close()
	}
	_ = t.probeClient.Close()
}

// probeKeys picks one probe key per shard (by slot) of dep.
func probeKeys(ctx context.Context, dep deploy.Deployment, client redis.UniversalClient) ([]string, error) {
	var shards [][][2]int
	if dep.Topology().Kind == harness.KindCluster {
		view, err := dep.Shards(ctx, dep.Nodes()[0])
		if err != nil {
			return nil, fmt.Errorf("pick probe keys: %w", err)
		}
		for _, s := range view {
			shards = append(shards, s.Slots)
		}
	}
	keys, err := workload.ProbeKeys(ctx, client, shards)
	if err != nil {
		return nil, fmt.Errorf("pick probe keys: %w", err)
	}
	return keys, nil
}

// Timeline is the availability timeline of a ledger in BucketWidth buckets
// relative to t0.
func Timeline(ledger *workload.Ledger, t0 time.Time) reports.Timeline {
	var tl reports.Timeline
	buckets, err := ledger.BucketsFrom(t0, BucketWidth)
	if err != nil {
		return tl
	}
	tl.BucketWidth = reports.Millis(BucketWidth)
	for _, b := range buckets {
		tl.Buckets = append(tl.Buckets, reports.Bucket{
			Start: reports.Millis(b.Offset), OK: int64(b.OK), Fail: int64(b.Fail), Unknown: int64(b.Unknown), P99: reports.Millis(b.P99),
		})
	}
	return tl
}

// warmProbe writes every probe key once, with generous time, retrying
// while the client dials and loads the slot map.
func warmProbe(ctx context.Context, client redis.UniversalClient, keys []string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, k := range keys {
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			if err = client.Set(ctx, k, "warm", 0).Err(); err == nil {
				break
			}
			if serr := harness.Sleep(ctx, 100*time.Millisecond); serr != nil {
				return fmt.Errorf("warm probe key %s: %w", k, err)
			}
		}
		if err != nil {
			return fmt.Errorf("warm probe key %s: %w", k, err)
		}
	}
	return nil
}
