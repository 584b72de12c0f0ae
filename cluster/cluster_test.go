package cluster

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// recorder is a Handler that keeps what it receives; local holds the
// entries it hands out as its own sticky tables.
type recorder struct {
	mu       sync.Mutex
	overlay  []config.Edit
	history  [][]config.Edit // every overlay received, in order
	sessions map[string]string
	local    []sessionWrite
	held     []heldMember
}

func (r *recorder) Overlay(e []config.Edit) {
	r.mu.Lock()
	r.overlay = e
	r.history = append(r.history, e)
	r.mu.Unlock()
}
func (r *recorder) Sessions(f func(balancer, table, sid, route string, expires time.Time) bool) {
	r.mu.Lock()
	local := append([]sessionWrite(nil), r.local...)
	r.mu.Unlock()
	for _, w := range local {
		if !f(w.Balancer, w.Table, w.SID, w.Route, time.UnixMilli(w.Expires)) {
			return
		}
	}
}
func (r *recorder) Session(b, table, sid, route string, _ time.Time) {
	r.mu.Lock()
	r.sessions[b+"/"+table+"/"+sid] = route
	r.mu.Unlock()
}
func (r *recorder) Held(f func(balancer, url string, c HeldCount)) {
	r.mu.Lock()
	held := append([]heldMember(nil), r.held...)
	r.mu.Unlock()
	for _, m := range held {
		f(m.Balancer, m.URL, m.HeldCount)
	}
}
func (r *recorder) setHeld(h ...heldMember) { r.mu.Lock(); r.held = h; r.mu.Unlock() }
func (r *recorder) get(k string) string     { r.mu.Lock(); defer r.mu.Unlock(); return r.sessions[k] }
func (r *recorder) edits() []config.Edit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]config.Edit(nil), r.overlay...)
}

func newStore(t testing.TB, addr string) (*Store, *recorder) {
	s := New(Options{Redis: &config.Redis{Addr: addr, KeyPrefix: "t:"}, Cluster: "c"})
	r := &recorder{sessions: map[string]string{}}
	s.Start(r)
	t.Cleanup(func() { s.Close() })
	testutil.Eventually(t, "the store connected", s.Up)
	return s, r
}

// waitSubscribers waits until n replicas listen on the events channel, as
// Redis counts them: a message published from then on reaches them all.
func waitSubscribers(t testing.TB, s *Store, n int64) {
	t.Helper()
	testutil.Eventually(t, fmt.Sprintf("%d replicas subscribed to the events channel", n), func() bool {
		ch := s.key("events")
		m, err := s.rdb.PubSubNumSub(context.Background(), ch).Result()
		return err == nil && m[ch] == n
	})
}

func TestEditsAndSessionsReachOtherReplicas(t *testing.T) {
	rd := testutil.StartRedis(t)
	a, _ := newStore(t, rd.Addr)
	_, rb := newStore(t, rd.Addr)
	waitSubscribers(t, a, 2)
	drain := config.Edit{Balancer: "b", Member: "http://m2", Key: "status", Value: []any{"drain"}}
	if err := a.SaveEdits([]config.Edit{drain}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testutil.Eventually(t, "the drain edit on the other replica", func() bool { return len(rb.edits()) == 1 })
	t.Logf("edit reached the other replica in %v", time.Since(start))
	a.PutSession("b", "moved", "sid1", "node2", time.Now().Add(time.Minute))
	testutil.Eventually(t, "the moved session on the other replica", func() bool { return rb.get("b/moved/sid1") == "node2" })
	// A later edit of the same target replaces the earlier one.
	a.SaveEdits([]config.Edit{{Balancer: "b", Member: "http://m2", Key: "status", Value: []any{}}})
	testutil.Eventually(t, "the later edit replaced the earlier one", func() bool { e := rb.edits(); return len(e) == 1 && fmt.Sprint(e[0].Value) == "[]" })
	// A replica that starts later reads both.
	_, rc := newStore(t, rd.Addr)
	testutil.Eventually(t, "a late replica read the session and the edit", func() bool { return rc.get("b/moved/sid1") == "node2" && len(rc.edits()) == 1 })
}

func TestEditsWhileRedisIsDownArriveLater(t *testing.T) {
	rd := testutil.StartRedis(t)
	a, _ := newStore(t, rd.Addr)
	_, rb := newStore(t, rd.Addr)
	rd.Stop()
	testutil.Eventually(t, "the store seen down", func() bool { return !a.Up() })
	err := a.SaveEdits([]config.Edit{{Balancer: "b", Member: "http://m1", Key: "loadfactor", Value: 5}})
	if !IsPending(err) {
		t.Fatalf("edit while Redis is down: %v", err)
	}
	if _, ok := a.GetSession("b", "learned", "x"); ok {
		t.Fatal("lookup answered with Redis down")
	}
	rd.Start()
	testutil.Eventually(t, "the edit made while Redis was down on the other replica", func() bool { e := rb.edits(); return len(e) == 1 && e[0].Key == "loadfactor" })
}

// BenchmarkLookupRedis is a learned-table miss answered by Redis (the cold
// path of the request); BenchmarkLookupRedisDown is the same while Redis
// is known to be down, and BenchmarkLookupRedisHung while it accepts but
// does not answer (bounded by the budget until the health check notices).
// They measure the Redis path itself, so the per-second lookup budget is
// lifted.
func BenchmarkLookupRedis(b *testing.B) {
	rd := testutil.StartRedis(b)
	s, _ := newStore(b, rd.Addr)
	s.lookupBudget = newBudget(0)
	s.PutSession("b", "learned", "sid", "node1", time.Now().Add(time.Hour))
	testutil.Eventually(b, "the session written to Redis", func() bool {
		n, err := s.rdb.Exists(context.Background(), s.key("s", "learned", "b", "sid")).Result()
		return err == nil && n == 1
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := s.GetSession("b", "learned", "sid"); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkLookupRedisDown(b *testing.B) {
	rd := testutil.StartRedis(b)
	s, _ := newStore(b, rd.Addr)
	rd.Stop()
	testutil.Eventually(b, "the store seen down", func() bool { return !s.Up() })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.GetSession("b", "learned", "sid")
	}
}

func BenchmarkLookupRedisHung(b *testing.B) {
	rd := testutil.StartRedis(b)
	s, _ := newStore(b, rd.Addr)
	s.lookupBudget = newBudget(0)
	rd.Signal(syscall.SIGSTOP)
	defer rd.Signal(syscall.SIGCONT)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.GetSession("b", "learned", "sid")
	}
}
