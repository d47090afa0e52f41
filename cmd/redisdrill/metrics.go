package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"

	"github.com/redisdrill/redisdrill/scenarios/session"
)

// addMetricsFlag registers --metrics-addr.
func addMetricsFlag(f *pflag.FlagSet, addr *string) {
	f.StringVar(addr, "metrics-addr", "", "serve Prometheus metrics of the live run on this address (e.g. 127.0.0.1:9310; port 0 picks one, printed on stderr)")
}

// serveMetrics starts the metrics endpoint for live (nothing when addr is
// empty) and returns a function that stops it.
func (a *app) serveMetrics(addr string, live *session.Live) (func(), error) {
	return a.serveCollector(addr, liveCollector{live: live})
}

// serveCollector serves one collector's metrics on addr (nothing when addr
// is empty) and returns a function that stops it.
func (a *app) serveCollector(addr string, col prometheus.Collector) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Warn("metrics endpoint stopped", "err", err)
		}
	}()
	fmt.Fprintf(a.stderr, "metrics: http://%s/metrics\n", ln.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// Metric descriptions of the live run.
var (
	descRunning   = prometheus.NewDesc("redisdrill_scenario_running", "1 while the scenario runs.", []string{"scenario"}, nil)
	descOps       = prometheus.NewDesc("redisdrill_ops_total", "Workload writes of the running scenario by outcome (ok, fail, unknown).", []string{"scenario", "outcome"}, nil)
	descLatency   = prometheus.NewDesc("redisdrill_op_latency_seconds", "Latency of acknowledged workload writes (complete - invoke) of the running scenario.", []string{"scenario", "quantile"}, nil)
	descAvailable = prometheus.NewDesc("redisdrill_shard_available", "1 when the last probe round wrote to the shard, else 0.", []string{"scenario", "shard"}, nil)
	descReady     = prometheus.NewDesc("redisdrill_recovery_ready_seconds", "Fault onset to every shard taking writes again, as each recovery ends.", []string{"scenario", "recovery", "strategy"}, nil)
	descSpan      = prometheus.NewDesc("redisdrill_engine_span_seconds", "Duration of each engine span, as each recovery ends.", []string{"scenario", "recovery", "span"}, nil)
	descRTO       = prometheus.NewDesc("redisdrill_rto_seconds", "RTO of each finished scenario (t_ready - t0).", []string{"scenario"}, nil)
	descLost      = prometheus.NewDesc("redisdrill_acked_lost", "Acknowledged writes lost by each finished scenario.", []string{"scenario"}, nil)
	descPass      = prometheus.NewDesc("redisdrill_scenario_pass", "1 when the finished scenario passed, else 0.", []string{"scenario"}, nil)
)

// liveCollector reads a session.Live on every scrape.
type liveCollector struct{ live *session.Live }

// Describe implements prometheus.Collector.
func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRunning, descOps, descLatency, descAvailable, descReady, descSpan, descRTO, descLost, descPass} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.live.Snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.Scenario != "" {
		gauge(descRunning, 1, s.Scenario)
		for outcome, n := range map[string]int{"ok": s.Ops.OK, "fail": s.Ops.Fail, "unknown": s.Ops.Unknown} {
			ch <- prometheus.MustNewConstMetric(descOps, prometheus.CounterValue, float64(n), s.Scenario, outcome)
		}
		for q, d := range s.Latency {
			gauge(descLatency, d.Seconds(), s.Scenario, strconv.FormatFloat(q, 'f', -1, 64))
		}
		for i, ok := range s.Shards {
			v := 0.0
			if ok {
				v = 1
			}
			gauge(descAvailable, v, s.Scenario, strconv.Itoa(i))
		}
	}
	for i, r := range s.Recoveries {
		n := strconv.Itoa(i + 1)
		gauge(descReady, r.Ready.Seconds(), r.Scenario, n, r.Strategy)
		for span, d := range r.Spans {
			gauge(descSpan, d.Seconds(), r.Scenario, n, span)
		}
	}
	for name, r := range s.Finished {
		gauge(descRTO, r.RTO.Seconds(), name)
		gauge(descLost, float64(r.AckedLost), name)
		pass := 0.0
		if r.Pass {
			pass = 1
		}
		gauge(descPass, pass, name)
	}
}
