package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"balancer/internal/testutil"
)

// metric reads one sample of a replica's /metrics ("name" or
// `name{label="v"}`), 0 when absent.
func (r *replica) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + r.mgr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

func drained(m apiMember) bool { return strings.Contains(fmt.Sprint(m.Status), "drain") }

// overlayHasDrain reports whether the store's overlay record holds the
// drain of node2 (whatever its member URL).
func overlayHasDrain(c *redis.Client) bool {
	b, err := c.Get(context.Background(), "balancer:test:overlay").Bytes()
	if err != nil {
		return false
	}
	var doc struct {
		Edits []struct {
			Key   string
			Value any
		}
	}
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	for _, e := range doc.Edits {
		if e.Key == "status" && fmt.Sprint(e.Value) == "[drain]" {
			return true
		}
	}
	return false
}

// TestRedisLosingItsDataKeepsEdits: a member drained through replica A
// stays drained on A and B whatever way Redis loses its data; the
// replicas write the drain back, and the moved-session table too, so that
// a replica started afterwards still has both.
func TestRedisLosingItsDataKeepsEdits(t *testing.T) {
	cases := []struct {
		name string
		lose func(rd *testutil.Redis, c *redis.Client)
	}{
		{"restart without persistence", func(rd *testutil.Redis, c *redis.Client) { rd.Restart() }},
		{"FLUSHALL", func(rd *testutil.Redis, c *redis.Client) { c.FlushAll(context.Background()) }},
		{"garbage overlay record", func(rd *testutil.Redis, c *redis.Client) {
			c.Set(context.Background(), "balancer:test:overlay", "{garbage", 0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd := testutil.StartRedis(t)
			c := redis.NewClient(&redis.Options{Addr: rd.Addr})
			defer c.Close()
			m1, m2 := testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")
			m3 := testutil.StartMember(t, "node3")
			a := startReplica(t, rd.Addr, m1, m2, m3)
			b := startReplica(t, rd.Addr, m1, m2, m3)
			testutil.Eventually(t, "both replicas connected", func() bool {
				return a.metric(t, "balancer_store_up") == 1 && b.metric(t, "balancer_store_up") == 1
			})
			a.edit(t, "node2", `{"status":["drain"]}`)
			testutil.Eventually(t, "B sees the drain", func() bool { return drained(b.member(t, "node2")) })
			// A session of node1 moves through A while node1 is disabled.
			a.edit(t, "node1", `{"status":["disabled"]}`)
			_, moved := routeVia(t, a.addr, "s1.node1")
			if moved != "node3" {
				t.Fatalf("session of disabled node1 went to %q, want node3 (node2 drains)", moved)
			}
			a.edit(t, "node1", `{"status":[]}`)
			testutil.Eventually(t, "the moved session is in the store", func() bool {
				return c.Get(context.Background(), "balancer:test:s:moved:c:s1").Val() == "node3"
			})

			tc.lose(rd, c)

			testutil.Eventually(t, "the drain is written back to the store", func() bool { return overlayHasDrain(c) })
			testutil.Eventually(t, "the moved session is written back", func() bool {
				return c.Get(context.Background(), "balancer:test:s:moved:c:s1").Val() == "node3"
			})
			for _, r := range []*replica{a, b} {
				if !drained(r.member(t, "node2")) {
					t.Fatalf("node2 is back in rotation on a replica: %v", r.member(t, "node2").Status)
				}
			}
			if a.metric(t, "balancer_store_lost_state_total")+b.metric(t, "balancer_store_lost_state_total") == 0 {
				t.Error("no replica counted the loss")
			}
			// A replica started now gets both from the store.
			n := startReplica(t, rd.Addr, m1, m2, m3)
			testutil.Eventually(t, "a new replica has the drain", func() bool { return drained(n.member(t, "node2")) })
			testutil.Eventually(t, "a new replica keeps the moved session on node3", func() bool {
				_, r := routeVia(t, n.addr, "s1.node1")
				return r == "node3"
			})
			for i := 0; i < 10; i++ {
				if _, r := routeVia(t, b.addr, ""); r == "node2" {
					t.Fatal("replica B sent a new session to the draining node2")
				}
			}
		})
	}
}
