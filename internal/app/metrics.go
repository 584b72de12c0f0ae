package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics is the process's registry: the proxy's collector plus what the
// app itself knows (reloads, build, shared store).
type metrics struct {
	reg        *prometheus.Registry
	reloads    *prometheus.CounterVec
	lastReload prometheus.Gauge
}

func newMetrics(a *App) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "balancer_config_reloads_total",
		Help: "Configuration reloads by result (success, failure).",
	}, []string{"result"})
	m.lastReload = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "balancer_config_last_reload_successful",
		Help: "1 when the last configuration reload succeeded.",
	})
	m.lastReload.Set(1)
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "balancer_build_info",
		Help:        "Always 1; the version label says which build runs.",
		ConstLabels: prometheus.Labels{"version": a.opts.Version},
	})
	build.Set(1)
	storeUp := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "balancer_store_up",
		Help: "1 when the shared store (Redis) answers, 0 when it does not; absent state counts as 0.",
	}, func() float64 {
		if st := a.store.Load(); st != nil && st.Up() {
			return 1
		}
		return 0
	})
	tunnels := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "balancer_tunnels_open",
		Help: "Upgraded connections (WebSockets) open.",
	}, func() float64 { return float64(a.proxy.Tunnels()) })
	panics := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "balancer_panics_total",
		Help: "Requests whose handling panicked; each was answered 500 and its connection closed.",
	}, func() float64 { return float64(a.proxy.Panics()) })
	m.reg.MustRegister(a.proxy.Collector(), m.reloads, m.lastReload, build, storeUp, tunnels, panics, storeCollector{a},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// reloads records a reload's outcome.
func (a *App) reloads(ok bool) {
	if ok {
		a.metrics.reloads.WithLabelValues("success").Inc()
		a.metrics.lastReload.Set(1)
		return
	}
	a.metrics.reloads.WithLabelValues("failure").Inc()
	a.metrics.lastReload.Set(0)
}

// Registry returns the process's metric registry.
func (a *App) Registry() *prometheus.Registry { return a.metrics.reg }
