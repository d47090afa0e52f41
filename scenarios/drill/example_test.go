package drill_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/scenarios/drill"
)

// Kill shard 0's primary under your own client's traffic, let the engine
// recover in probe mode, and measure what that client saw.
func Example() {
	ctx := context.Background()
	d, err := drill.Run(ctx, drill.WithCluster(3, 1), drill.WithDurableWrites())
	defer d.Terminate(context.Background()) // nil-safe
	if err != nil {
		fmt.Println("run:", err)
		return
	}

	// Your own client, with the observer as a go-redis hook.
	client := redis.NewClusterClient(d.ClusterOptions())
	defer client.Close()
	obs := drill.NewObserver()
	client.AddHook(obs)

	eng, err := d.StartEngine(ctx, drill.WithProbeDetection())
	if err != nil {
		fmt.Println("engine:", err)
		return
	}
	defer eng.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			client.Set(wctx, "k"+strconv.Itoa(i%500), strconv.Itoa(i), 0)
			cancel()
		}
	})
	time.Sleep(time.Second)

	if err := eng.Inject(ctx, "kill", "shard-primary:0"); err != nil {
		fmt.Println("inject:", err)
		return
	}
	res, err := eng.Recover(ctx)
	if err != nil {
		fmt.Println("recover:", err)
		return
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if err := res.Measure(ctx, obs, client); err != nil {
		fmt.Println("measure:", err)
		return
	}
	fmt.Println(res.Strategy, res.Verified, res.Measured, res.AckedWrites > 0)
	// Output: promote-replica true true true
}
