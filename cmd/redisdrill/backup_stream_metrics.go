package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metric descriptions of backup stream.
var (
	descArchiveLagBytes = prometheus.NewDesc("redisdrill_archive_lag_bytes", "Bytes the primary has streamed that the archive has not made durable yet.", []string{"archive"}, nil)
	descArchiveLagMS    = prometheus.NewDesc("redisdrill_archive_lag_seconds", "How long the primary's last polled offset took to become durable in the archive.", []string{"archive"}, nil)
	descArchiveDurable  = prometheus.NewDesc("redisdrill_archive_durable_offset", "Replication offset up to which the archive is on disk (and ACKed).", []string{"archive"}, nil)
	descArchiveUp       = prometheus.NewDesc("redisdrill_archive_connected", "1 while the archive is connected to its primary.", []string{"archive"}, nil)
	descArchiveGaps     = prometheus.NewDesc("redisdrill_archive_gaps_total", "Full resyncs after the first base: history the archive does not hold.", []string{"archive"}, nil)
)

// archiveCollector reads every archiver's Stats on each scrape.
type archiveCollector struct{ s *streamer }

// Describe implements prometheus.Collector.
func (c archiveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descArchiveLagBytes, descArchiveLagMS, descArchiveDurable, descArchiveUp, descArchiveGaps} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c archiveCollector) Collect(ch chan<- prometheus.Metric) {
	for _, sa := range c.s.list() {
		st := sa.arc.Stats()
		up := 0.0
		if st.Connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descArchiveLagBytes, prometheus.GaugeValue, float64(st.LagBytes), sa.name)
		ch <- prometheus.MustNewConstMetric(descArchiveLagMS, prometheus.GaugeValue, st.LagMS/1000, sa.name)
		ch <- prometheus.MustNewConstMetric(descArchiveDurable, prometheus.GaugeValue, float64(st.DurableOffset), sa.name)
		ch <- prometheus.MustNewConstMetric(descArchiveUp, prometheus.GaugeValue, up, sa.name)
		ch <- prometheus.MustNewConstMetric(descArchiveGaps, prometheus.CounterValue, float64(st.Gaps), sa.name)
	}
}

// serveArchiveMetrics serves the archivers' metrics on addr (nothing when
// addr is empty).
func (a *app) serveArchiveMetrics(addr string, s *streamer) (func(), error) {
	return a.serveCollector(addr, archiveCollector{s: s})
}
