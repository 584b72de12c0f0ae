package cluster

import (
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestHeldCountsReachOtherReplicas: each replica's sessions and requests
// in flight per member reach the other replicas, a replica that stops
// stops counting, and a replica without the store knows nothing of the
// others.
func TestHeldCountsReachOtherReplicas(t *testing.T) {
	rd := testutil.StartRedis(t)
	a, ra := newStore(t, rd.Addr)
	b, _ := newStore(t, rd.Addr)
	m1 := HeldMember{"c", "http://127.0.0.1:1"}
	ra.setHeld(heldMember{m1.Balancer, m1.URL, HeldCount{Sessions: 2, Busy: 1}},
		heldMember{"c", "http://127.0.0.1:2", HeldCount{}})
	testutil.Eventually(t, "B sees A's counts", func() bool {
		e := b.Elsewhere()
		return e.Known && e.Replicas == 1 && len(e.Members) == 1 && e.Members[m1] == HeldCount{Sessions: 2, Busy: 1}
	})
	testutil.Eventually(t, "A sees B, which holds nothing", func() bool {
		e := a.Elsewhere()
		return e.Known && e.Replicas == 1 && len(e.Members) == 0
	})

	ra.setHeld()
	testutil.Eventually(t, "B sees that A no longer holds anything", func() bool {
		e := b.Elsewhere()
		return e.Known && e.Replicas == 1 && len(e.Members) == 0
	})

	ra.setHeld(heldMember{m1.Balancer, m1.URL, HeldCount{Sessions: 1}})
	testutil.Eventually(t, "B sees A's session", func() bool { return b.Elsewhere().Members[m1].Sessions == 1 })
	b.held.mu.Lock()
	b.held.stale = 1500 * time.Millisecond
	b.held.mu.Unlock()
	a.Close()
	testutil.Eventually(t, "a replica that stopped no longer counts", func() bool {
		e := b.Elsewhere()
		return e.Known && e.Replicas == 0 && len(e.Members) == 0
	})

	rd.Stop()
	testutil.Eventually(t, "without the store nothing is known of the others", func() bool {
		return !b.Elsewhere().Known
	})
}
