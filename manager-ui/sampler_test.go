package managerui

import (
	"context"
	"math"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// reading is one member's counter at one sample.
func reading(elected map[string]int64) []Balancer {
	b := Balancer{Name: "shop"}
	for _, url := range []string{node1, node2, node3} {
		if n, ok := elected[url]; ok {
			b.Members = append(b.Members, Member{URL: url, Elected: n})
		}
	}
	return []Balancer{b}
}

func TestSamplerRates(t *testing.T) {
	s := NewSampler(newTestBackend(t), 5*time.Second, 3)
	t0 := time.Unix(1000, 0)
	if got := s.Rates("shop", node1); got != nil {
		t.Fatalf("rates before two samples: %v", got)
	}
	steps := []map[string]int64{
		{node1: 0, node2: 100},
		{node1: 10, node2: 100},
		{node1: 60, node2: 90, node3: 5}, // node2 went backwards (a restart)
		{node1: 60, node2: 140, node3: 25},
		{node1: 160, node2: 140, node3: 25},
	}
	for i, e := range steps {
		s.Record(t0.Add(time.Duration(i)*5*time.Second), reading(e))
	}
	nan := math.NaN()
	tests := []struct {
		url  string
		want []float64 // the last three intervals
	}{
		{node1, []float64{10, 0, 20}},
		{node2, []float64{nan, 10, 0}},
		{node3, []float64{nan, 4, 0}},
		{"http://nowhere", []float64{nan, nan, nan}},
	}
	for _, tc := range tests {
		got := s.Rates("shop", tc.url)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %v", tc.url, got)
		}
		for i := range got {
			if !(got[i] == tc.want[i] || math.IsNaN(got[i]) && math.IsNaN(tc.want[i])) {
				t.Errorf("%s: rates %v, want %v", tc.url, got, tc.want)
				break
			}
		}
	}
	if avg, ok := recent(s.Rates("shop", node3), 2); !ok || avg != 2 {
		t.Errorf("recent: %v %v", avg, ok)
	}
	if _, ok := recent(s.Rates("shop", "http://nowhere"), 3); ok {
		t.Error("recent of nothing is ok")
	}
}

// Run samples the Backend at once, then every interval, so that a member
// whose counter grows shows a rate; it returns when its context is done.
func TestSamplerRun(t *testing.T) {
	b := newTestBackend(t)
	b.set(node1, func(m *Member) { m.Elected = 5 })
	s := NewSampler(b, 5*time.Millisecond, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	testutil.Eventually(t, "a first sample", func() bool { return s.samples() >= 1 })
	if got := s.first()[memberKey{"shop", node1}]; got != 5 {
		t.Fatalf("first sample holds node1's counter at %d, want 5", got)
	}
	b.set(node1, func(m *Member) { m.Elected = 500 })
	testutil.Eventually(t, "node1's rate after its counter grew", func() bool {
		avg, ok := recent(s.Rates("shop", node1), 10)
		return ok && avg > 0
	})

	cancel()
	testutil.Receive(t, done, "Run's return after its context was cancelled")
}

func (s *Sampler) samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// first returns the counters of the oldest sample held.
func (s *Sampler) first() map[memberKey]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ring[(s.next-s.n+len(s.ring))%len(s.ring)].elected
}

func TestSparkline(t *testing.T) {
	// Four rates in ten slots of 15 units: the bars sit at the right edge,
	// scaled to the peak, gaps between them; no bar for NaN or zero.
	got := sparkline([]float64{math.NaN(), 0, 5, 10}, 10, 10)
	want := "M120 32v-15.5h11.25v15.5z" + "M135 32v-31h11.25v31z"
	if got != want {
		t.Errorf("sparkline:\n got %s\nwant %s", got, want)
	}
	if got := sparkline([]float64{0.001}, 10, 10); got != "M135 32v-1h11.25v1z" {
		t.Errorf("a tiny rate still shows: %s", got)
	}
	if sparkline([]float64{1}, 10, 0) != "" {
		t.Error("bars without a peak")
	}
}
