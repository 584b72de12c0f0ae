package proxy

import (
	"sync/atomic"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the response time
// histogram (Prometheus' default buckets).
var durationBuckets = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// histogram is a lock-free, allocation-free latency histogram read at
// scrape time.
type histogram struct {
	counts [len(durationBuckets) + 1]atomic.Uint64 // last: +Inf
	sumNS  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(durationBuckets) && s > durationBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNS.Add(int64(d))
}

// snapshot returns the cumulative bucket counts, total count and sum.
func (h *histogram) snapshot() (map[float64]uint64, uint64, float64) {
	buckets := make(map[float64]uint64, len(durationBuckets))
	var cum uint64
	for i, ub := range durationBuckets {
		cum += h.counts[i].Load()
		buckets[ub] = cum
	}
	cum += h.counts[len(durationBuckets)].Load()
	return buckets, cum, float64(h.sumNS.Load()) / 1e9
}

// codeClass indexes status codes by class: 1xx … 5xx.
func codeClass(code int) int {
	c := code / 100
	if c < 1 || c > 5 {
		return 0
	}
	return c
}

var codeClassNames = [...]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// requestCounters count requests by status class and their durations.
type requestCounters struct {
	codes    [6]atomic.Int64
	duration histogram
}

func (c *requestCounters) observe(code int, d time.Duration) {
	c.codes[codeClass(code)].Add(1)
	c.duration.observe(d)
}
