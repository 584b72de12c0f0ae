package proxy

import (
	"github.com/prometheus/client_golang/prometheus"

	"balancer/config"
)

// Collector exposes the runtime's counters as Prometheus metrics, read
// from the same atomics the request path updates, at scrape time
// (go-redis' redisprometheus pattern): no second set of counters, and
// per-state gauges instead of a label whose value changes (which would
// leave stale series behind).
type Collector struct{ p *Proxy }

// Collector returns the Prometheus collector of p; register it on the
// process's registry.
func (p *Proxy) Collector() *Collector { return &Collector{p} }

var _ prometheus.Collector = (*Collector)(nil)

var (
	mLabels = []string{"balancer", "route"}

	descRequests = prometheus.NewDesc("balancer_requests_total",
		"Requests answered, by member route and status class (route is empty for answers of the balancer itself).",
		[]string{"balancer", "route", "code"}, nil)
	descDuration = prometheus.NewDesc("balancer_request_duration_seconds",
		"Time from request received to response handed to the client, by member.", mLabels, nil)
	descErrors = prometheus.NewDesc("balancer_member_errors_total",
		"Failed exchanges with the member (connect failures, timeouts, bad responses).", mLabels, nil)
	descSent = prometheus.NewDesc("balancer_member_bytes_sent_total",
		"Bytes sent to the member (request heads and bodies).", mLabels, nil)
	descRecv = prometheus.NewDesc("balancer_member_bytes_received_total",
		"Bytes received from the member (response heads and bodies).", mLabels, nil)
	descBusy = prometheus.NewDesc("balancer_member_in_flight",
		"Requests in flight to the member.", mLabels, nil)
	descElected = prometheus.NewDesc("balancer_member_elected_total",
		"Times the member was chosen for a request (attempts included).", mLabels, nil)
	descStatus = prometheus.NewDesc("balancer_member_status",
		"1 when the member has the status, else 0; status ok means usable.",
		[]string{"balancer", "route", "status"}, nil)
	descHealthy = prometheus.NewDesc("balancer_member_healthy",
		"1 unless the member failed its active health check.", mLabels, nil)
	descSticky = prometheus.NewDesc("balancer_sticky_total",
		"Requests by sticky outcome: hit, new, changed, moved.", []string{"balancer", "outcome"}, nil)
	descFailovers = prometheus.NewDesc("balancer_failovers_total",
		"Sticky requests served by another member than their route's.", []string{"balancer"}, nil)
	descRetries = prometheus.NewDesc("balancer_retries_total",
		"Requests sent again to another member after a failed attempt.", []string{"balancer"}, nil)
	descMoved = prometheus.NewDesc("balancer_moved_sessions",
		"Entries in the moved-session table.", []string{"balancer"}, nil)
	descQueued = prometheus.NewDesc("balancer_member_queued",
		"Requests waiting for one of the member's slots (max, maxqueue).", mLabels, nil)
	descWaiting = prometheus.NewDesc("balancer_waiting_requests",
		"Requests waiting for a usable member (balancer timeout).", []string{"balancer"}, nil)
	descProtocols = prometheus.NewDesc("balancer_client_requests_total",
		"Requests received, by the client's protocol (HTTP/1.0, HTTP/1.1, HTTP/2.0).", []string{"protocol"}, nil)
	descParked = prometheus.NewDesc("balancer_parked_connections",
		"Idle keep-alive client connections parked after limits.idlerelease: open, holding no goroutine or buffer.", nil, nil)
)

var protocolNames = [...]string{ProtoHTTP10, ProtoHTTP11, ProtoHTTP2}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descDuration, descErrors, descSent, descRecv,
		descBusy, descElected, descStatus, descHealthy, descSticky, descFailovers, descRetries, descMoved,
		descQueued, descWaiting, descProtocols, descParked} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.p.snap.Load()
	counter := func(d *prometheus.Desc, v int64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	for i, n := range protocolNames {
		counter(descProtocols, c.p.protocols[i].Load(), n)
	}
	gauge(descParked, float64(c.p.idle.parked.Load()))
	for _, b := range snap.Balancers {
		st := b.st
		counter(descSticky, st.stickyHits.Load(), b.Name, "hit")
		counter(descSticky, st.stickyMisses.Load(), b.Name, "new")
		counter(descSticky, st.failovers.Load(), b.Name, "changed")
		counter(descSticky, st.moves.Load(), b.Name, "moved")
		counter(descFailovers, st.failovers.Load(), b.Name)
		counter(descRetries, st.retries.Load(), b.Name)
		gauge(descMoved, float64(st.moved.Len()), b.Name)
		gauge(descWaiting, float64(st.changes.waiting.Load()), b.Name)
		for i, n := range codeClassNames {
			if v := st.refused.codes[i].Load(); v > 0 {
				counter(descRequests, v, b.Name, "", n)
			}
		}
		for _, m := range b.members {
			ms := m.st
			for i, n := range codeClassNames {
				if v := ms.reqs.codes[i].Load(); v > 0 || i == 2 {
					counter(descRequests, v, b.Name, m.Route, n)
				}
			}
			buckets, count, sum := ms.reqs.duration.snapshot()
			ch <- prometheus.MustNewConstHistogram(descDuration, count, sum, buckets, b.Name, m.Route)
			counter(descErrors, ms.errors.Load(), b.Name, m.Route)
			counter(descSent, ms.sched.Transferred.Load(), b.Name, m.Route)
			counter(descRecv, ms.sched.Read.Load(), b.Name, m.Route)
			counter(descElected, ms.sched.Elected.Load(), b.Name, m.Route)
			gauge(descBusy, float64(ms.sched.Busy.Load()), b.Name, m.Route)
			gauge(descQueued, float64(ms.queued()), b.Name, m.Route)
			f := m.Flags()
			for s := range config.Flags() {
				gauge(descStatus, b01(f&uint32(s) != 0), b.Name, m.Route, s.Name())
			}
			gauge(descStatus, b01(m.Usable()), b.Name, m.Route, "ok")
			gauge(descHealthy, b01(f&FlagHealthFailed == 0), b.Name, m.Route)
		}
	}
}

func b01(v bool) float64 {
	if v {
		return 1
	}
	return 0
}
