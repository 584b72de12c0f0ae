package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// load sends sticky and new-session requests through every replica until
// stop is called, which returns how many were sent and how many failed.
func load(t *testing.T, replicas ...*replica) (stop func() (sent, failed int64)) {
	var sent, failed atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, r := range replicas {
		for _, cookie := range []string{"s.node1", "s.node3", ""} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					sent.Add(1)
					if s, _ := routeVia(t, r.addr, cookie); s != 200 {
						failed.Add(1)
					}
				}
			}()
		}
	}
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		return sent.Load(), failed.Load()
	}
}

// loadFactor reads a member's loadfactor through a replica's API.
func loadFactor(t *testing.T, r *replica, route string) float64 { return r.member(t, route).LoadFactor }

// TestSentinelFailoverUnderLoad: the replicas reach Redis through Sentinel;
// the master is killed under load and Sentinel promotes its replica. No
// client request fails, and every edit — made before, during and after the
// switch — is in force on both replicas afterwards.
func TestSentinelFailoverUnderLoad(t *testing.T) {
	// No wait before the first full sync (Redis waits 5s by default).
	master := testutil.StartRedisWith(t, "--repl-diskless-sync-delay", "0")
	_, mport, _ := net.SplitHostPort(master.Addr)
	standby := testutil.StartRedisWith(t, "--replicaof", "127.0.0.1", mport)
	testutil.Eventually(t, "the standby replicates the master", func() bool {
		return strings.Contains(testutil.Cli(t, standby.Addr, "INFO", "replication"), "master_link_status:up")
	})
	sentinel := testutil.StartSentinel(t, "balancer", master.Addr)
	testutil.Eventually(t, "the sentinel knows the standby", func() bool {
		return strings.Contains(testutil.Cli(t, sentinel.Addr, "SENTINEL", "replicas", "balancer"), standby.Addr[strings.LastIndexByte(standby.Addr, ':')+1:])
	}, testutil.Within(15*time.Second))
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2"), testutil.StartMember(t, "node3")}
	store := fmt.Sprintf("addrs: [%q]\n    mastername: balancer", sentinel.Addr)
	a, b := startReplicaWith(t, store, ms...), startReplicaWith(t, store, ms...)
	testutil.Eventually(t, "both replicas connected", func() bool {
		return a.metric(t, "balancer_store_up") == 1 && b.metric(t, "balancer_store_up") == 1
	})
	a.edit(t, "node2", `{"status":["drain"]}`)
	testutil.Eventually(t, "B sees the drain", func() bool { return drained(b.member(t, "node2")) })

	stop := load(t, a, b)
	master.Stop()
	b.edit(t, "node3", `{"loadfactor":5}`) // while there is no master
	start := time.Now()
	testutil.Eventually(t, "Sentinel promotes the standby", func() bool {
		return sentinel.Master(t) == standby.Addr
	}, testutil.Within(20*time.Second))
	t.Logf("master switched after %v", time.Since(start))
	a.edit(t, "node1", `{"loadfactor":9}`) // after the switch
	testutil.Eventually(t, "every edit on both replicas", func() bool {
		for _, r := range []*replica{a, b} {
			if !drained(r.member(t, "node2")) || loadFactor(t, r, "node3") != 5 || loadFactor(t, r, "node1") != 9 {
				return false
			}
		}
		return true
	}, testutil.Within(10*time.Second))
	sent, failed := stop()
	t.Logf("%d requests during the switch, %d failed", sent, failed)
	if failed != 0 {
		t.Fatalf("%d of %d client requests failed during the master switch", failed, sent)
	}
}

// TestRedisClusterServesReplicas: the replicas share edits and sticky
// tables through a real three-master Redis Cluster (one replica given the
// seed list, the other one address with clustermode), keep them when every
// node loses its data, and a replica started later loads the sticky
// tables from every master.
func TestRedisClusterServesReplicas(t *testing.T) {
	cl := testutil.StartRedisCluster(t, 3)
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2"), testutil.StartMember(t, "node3")}
	seeds := fmt.Sprintf("addrs: [%q, %q, %q]", cl.Addrs[0], cl.Addrs[1], cl.Addrs[2])
	a := startReplicaWith(t, seeds, ms...)
	b := startReplicaWith(t, fmt.Sprintf("addr: %q\n    clustermode: true", cl.Addrs[1]), ms...)
	testutil.Eventually(t, "both replicas connected", func() bool {
		return a.metric(t, "balancer_store_up") == 1 && b.metric(t, "balancer_store_up") == 1
	})
	stop := load(t, a, b)
	a.edit(t, "node2", `{"status":["drain"]}`)
	testutil.Eventually(t, "B sees the drain", func() bool { return drained(b.member(t, "node2")) })
	// Sessions of node1 move through A while node1 is disabled; B keeps
	// them on their new member once node1 is back.
	a.edit(t, "node1", `{"status":["disabled"]}`)
	moved := map[string]string{}
	for i := range 20 {
		sid := fmt.Sprintf("m%d", i)
		_, moved[sid] = routeVia(t, a.addr, sid+".node1")
	}
	a.edit(t, "node1", `{"status":[]}`)
	testutil.Eventually(t, "B keeps the moved sessions", func() bool {
		for sid, r := range moved {
			if _, got := routeVia(t, b.addr, sid+".node1"); got != r {
				return false
			}
		}
		return true
	})
	// Every node loses its data.
	for _, n := range cl.Addrs {
		testutil.Cli(t, n, "FLUSHALL")
	}
	testutil.Eventually(t, "the loss is noticed and written back", func() bool {
		return a.metric(t, "balancer_store_lost_state_total")+b.metric(t, "balancer_store_lost_state_total") > 0 &&
			a.metric(t, "balancer_store_reannounced_total") >= float64(len(moved))
	})
	c := startReplicaWith(t, seeds, ms...)
	testutil.Eventually(t, "a new replica has the drain and the moved sessions", func() bool {
		if !drained(c.member(t, "node2")) {
			return false
		}
		for sid, r := range moved {
			if _, got := routeVia(t, c.addr, sid+".node1"); got != r {
				return false
			}
		}
		return true
	})
	sent, failed := stop()
	if failed != 0 {
		t.Fatalf("%d of %d client requests failed", failed, sent)
	}
}
