package cluster

import (
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// holdRefill stops b from refilling for an hour, so that what a test sees
// does not depend on how fast it runs.
func holdRefill(b *budget) {
	b.mu.Lock()
	b.last = time.Now().Add(time.Hour).UnixNano()
	b.mu.Unlock()
}

func TestBudget(t *testing.T) {
	cases := []struct {
		name     string
		rate     int
		tries    int
		wantTook int
	}{
		{"unlimited", 0, 1000, 1000},
		// A token comes back every 200ms: the burst is the rate.
		{"five per second", 5, 50, 5},
		{"one per second", 1, 10, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBudget(tc.rate)
			holdRefill(b)
			took := 0
			for range tc.tries {
				if b.take() {
					took++
				}
			}
			if took != tc.wantTook {
				t.Fatalf("took %d of %d, want %d", took, tc.tries, tc.wantTook)
			}
		})
	}
}

// TestLookupBudgetAndNegativeCache: a learned-table miss Redis answered
// "absent" is not asked again for a while, and lookups beyond the
// per-second budget do not reach Redis; both are counted.
func TestLookupBudgetAndNegativeCache(t *testing.T) {
	rd := testutil.StartRedis(t)
	s := New(Options{Redis: &config.Redis{Addr: rd.Addr, KeyPrefix: "t:", LookupRate: 3}, Cluster: "c"})
	holdRefill(s.lookupBudget)
	r := &recorder{sessions: map[string]string{}}
	s.Start(r)
	t.Cleanup(func() { s.Close() })
	testutil.Eventually(t, "connected", s.Up)
	s.PutSession("b", "learned", "real", "node1", time.Now().Add(time.Hour))
	testutil.Eventually(t, "written", func() bool { return s.Stats().Writes == 1 })

	if route, ok := s.GetSession("b", "learned", "real"); !ok || route != "node1" {
		t.Fatalf("a stored entry: %q %v", route, ok)
	}
	for range 5 {
		if _, ok := s.GetSession("b", "learned", "made-up"); ok {
			t.Fatal("a made-up id was found")
		}
	}
	for i := range 5 {
		s.GetSession("b", "learned", "other"+string(rune('a'+i)))
	}
	st := s.Stats()
	if st.LookupsFound != 1 || st.LookupsAbsent != 2 || st.NegativeHits != 4 || st.LookupsOverBudget != 4 {
		t.Fatalf("found %d absent %d negative %d over budget %d; want 1, 2, 4, 4",
			st.LookupsFound, st.LookupsAbsent, st.NegativeHits, st.LookupsOverBudget)
	}
}
