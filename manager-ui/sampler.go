package managerui

import (
	"context"
	"math"
	"sync"
	"time"
)

// Sampler reads every member's Elected counter at a fixed interval into a
// ring buffer, so the page can draw requests per second over the last
// minutes without the runtime keeping any history. Members are keyed by
// balancer name and URL, the identity the runtime carries counters over
// reloads by; a route change therefore keeps the member's history.
type Sampler struct {
	b     Backend
	every time.Duration

	mu   sync.Mutex
	ring []sample // len history+1: history intervals need one more reading
	next int      // where the next sample goes
	n    int      // samples held
}

// sample is one reading of every member's counter.
type sample struct {
	at      time.Time
	elected map[memberKey]int64
}

type memberKey struct{ balancer, url string }

// NewSampler returns a sampler of b's counters every interval, keeping
// history intervals.
func NewSampler(b Backend, every time.Duration, history int) *Sampler {
	return &Sampler{b: b, every: every, ring: make([]sample, history+1)}
}

// Every is the sampling interval.
func (s *Sampler) Every() time.Duration { return s.every }

// History is how many intervals the sampler keeps.
func (s *Sampler) History() int { return len(s.ring) - 1 }

// Run samples at once, then every interval, until ctx is done.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		s.Record(time.Now(), s.b.Balancers())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Record stores one reading of the counters in bs taken at now.
func (s *Sampler) Record(now time.Time, bs []Balancer) {
	m := make(map[memberKey]int64)
	for _, b := range bs {
		for _, mb := range b.Members {
			m[memberKey{b.Name, mb.URL}] = mb.Elected
		}
	}
	s.mu.Lock()
	s.ring[s.next] = sample{at: now, elected: m}
	s.next = (s.next + 1) % len(s.ring)
	s.n = min(s.n+1, len(s.ring))
	s.mu.Unlock()
}

// Rates returns the member's requests per second in each interval held,
// oldest first; NaN marks an interval in which the member did not exist
// (or its counter went backwards). The result has History() entries at
// most, fewer while the sampler is young.
func (s *Sampler) Rates(balancer, url string) []float64 {
	k := memberKey{balancer, url}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n < 2 {
		return nil
	}
	out := make([]float64, 0, s.n-1)
	first := (s.next - s.n + len(s.ring)) % len(s.ring)
	prev := s.ring[first]
	for i := 1; i < s.n; i++ {
		cur := s.ring[(first+i)%len(s.ring)]
		a, okA := prev.elected[k]
		b, okB := cur.elected[k]
		dt := cur.at.Sub(prev.at).Seconds()
		if !okA || !okB || b < a || dt <= 0 {
			out = append(out, math.NaN())
		} else {
			out = append(out, float64(b-a)/dt)
		}
		prev = cur
	}
	return out
}

// recent averages the last k finite rates of rs; ok is false when there is
// none.
func recent(rs []float64, k int) (avg float64, ok bool) {
	n := 0
	for i := len(rs) - 1; i >= 0 && n < k; i-- {
		if !math.IsNaN(rs[i]) {
			avg += rs[i]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return avg / float64(n), true
}
