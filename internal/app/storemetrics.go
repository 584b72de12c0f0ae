package app

import "github.com/prometheus/client_golang/prometheus"

// storeCollector exports the shared store's counters (none without a
// store): what reached Redis, what the budgets dropped, and losses found.
type storeCollector struct{ a *App }

var (
	storeWritesDesc = prometheus.NewDesc("balancer_store_writes_total",
		"Sticky table entries written to the shared store (Redis).", nil, nil)
	storeWriteErrorsDesc = prometheus.NewDesc("balancer_store_write_errors_total",
		"Sticky table writes the shared store refused or did not answer in time.", nil, nil)
	storeDroppedDesc = prometheus.NewDesc("balancer_store_writes_dropped_total",
		"Sticky table entries kept local only, by reason: budget (over store.redis.writerate), queue (writer behind), unreachable.",
		[]string{"reason"}, nil)
	storeLookupsDesc = prometheus.NewDesc("balancer_store_lookups_total",
		"Learned-table misses looked up in the shared store, by result: found, absent, failed, negative_cache (answered locally), over_budget (over store.redis.lookuprate, not asked).",
		[]string{"result"}, nil)
	storeLostDesc = prometheus.NewDesc("balancer_store_lost_state_total",
		"Times this replica found the shared store without its state (keys lost, overlay record missing, older or unreadable) and wrote it back.", nil, nil)
	storeReannouncedDesc = prometheus.NewDesc("balancer_store_reannounced_total",
		"Sticky table entries written back to a shared store that lost them.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storeWritesDesc, storeWriteErrorsDesc, storeDroppedDesc, storeLookupsDesc, storeLostDesc, storeReannouncedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.a.store.Load()
	if st == nil {
		return
	}
	s := st.Stats()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(storeWritesDesc, s.Writes)
	counter(storeWriteErrorsDesc, s.WriteErrors)
	counter(storeDroppedDesc, s.DroppedBudget, "budget")
	counter(storeDroppedDesc, s.DroppedQueue, "queue")
	counter(storeDroppedDesc, s.DroppedUnreachable, "unreachable")
	counter(storeLookupsDesc, s.LookupsFound, "found")
	counter(storeLookupsDesc, s.LookupsAbsent, "absent")
	counter(storeLookupsDesc, s.LookupsFailed, "failed")
	counter(storeLookupsDesc, s.NegativeHits, "negative_cache")
	counter(storeLookupsDesc, s.LookupsOverBudget, "over_budget")
	counter(storeLostDesc, s.LostState)
	counter(storeReannouncedDesc, s.Reannounced)
}
