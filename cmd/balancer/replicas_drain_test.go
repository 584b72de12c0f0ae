package main

import (
	"testing"

	"balancer/internal/testutil"
)

// TestDrainHelperCountsEveryReplica: with several replicas, a draining
// member is safe to stop only when no replica has a session on it or a
// request in flight to it, and not while the others cannot be heard.
func TestDrainHelperCountsEveryReplica(t *testing.T) {
	rd := testutil.StartRedis(t)
	m1, m2 := testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")
	a := startReplica(t, rd.Addr, m1, m2)
	b := startReplica(t, rd.Addr, m1, m2)
	waitShared(t, rd, a, b)
	a.edit(t, "node2", `{"status":["drain"]}`)
	testutil.Eventually(t, "A says node2 is safe to stop: no session anywhere", func() bool {
		d := a.member(t, "node2")
		return d.SafeToStop && d.Elsewhere != nil && d.Elsewhere.Known && d.Elsewhere.Replicas == 1
	})

	// A session of node2 reaches it through B only.
	if _, r := routeVia(t, b.addr, "s1.node2"); r != "node2" {
		t.Fatalf("the draining member's session went to %q", r)
	}
	if b.member(t, "node2").LastSession == nil || a.member(t, "node2").LastSession != nil {
		t.Error("lastsession: B's node2 should have one, A's none")
	}
	testutil.Eventually(t, "A counts B's session on node2", func() bool {
		d := a.member(t, "node2")
		return !d.SafeToStop && d.Sessions == 0 && d.Elsewhere.Sessions == 1
	})

	// The session ends (a logout through B): node2 is safe to stop.
	if _, r := routeVia(t, b.addr+"/end-session", "s1.node2"); r != "node2" {
		t.Fatalf("the logout went to %q", r)
	}
	testutil.Eventually(t, "A says node2 is safe to stop once B's session ended", func() bool {
		d := a.member(t, "node2")
		return d.SafeToStop && d.Elsewhere.Sessions == 0
	})

	// A request in flight to node2 through B, without a session.
	arrived, release := m2.Hold()
	defer release()
	done := make(chan struct{})
	go func() {
		defer close(done)
		routeVia(t, b.addr, "gone.node2")
	}()
	<-arrived
	testutil.Eventually(t, "A counts B's request in flight to node2", func() bool {
		d := a.member(t, "node2")
		return !d.SafeToStop && d.Busy == 0 && d.Elsewhere.Busy == 1
	})
	release()
	<-done
	routeVia(t, b.addr+"/end-session", "gone.node2")
	testutil.Eventually(t, "A says node2 is safe to stop once B's request ended", func() bool {
		return a.member(t, "node2").SafeToStop
	})

	// Without the store, nothing is known of B: not safe to stop.
	rd.Stop()
	testutil.Eventually(t, "A does not call node2 safe to stop without the store", func() bool {
		d := a.member(t, "node2")
		return !d.SafeToStop && !d.Elsewhere.Known
	})
}
