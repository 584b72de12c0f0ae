package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/internal/testutil"
)

// forgedCount is how many made-up session ids TestForgedSessionIDsAreBounded
// sends of each kind; raise it to measure (go test ./cmd/balancer -run
// ForgedSessionIDs -forged 1000000 -v).
var forgedCount = flag.Int("forged", 3000, "made-up session ids sent by TestForgedSessionIDsAreBounded")

// sendForged sends n requests to url, each with the cookie made by id(i),
// from 8 keep-alive connections; it returns how many failed, and why the
// first ones did.
func sendForged(url string, n int, id func(i int) string) (int64, []string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var next, failed atomic.Int64
	var mu sync.Mutex
	var why []string
	fail := func(s string) {
		if failed.Add(1) <= 5 {
			mu.Lock()
			why = append(why, s)
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Cookie", "JSESSIONID="+id(i))
				resp, err := c.Do(req)
				if err != nil {
					fail(err.Error())
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					fail(fmt.Sprintf("%d %s", resp.StatusCode, b))
				}
			}
		}()
	}
	wg.Wait()
	return failed.Load(), why
}

// TestForgedSessionIDsAreBounded: made-up session ids cost Redis and the
// balancer's memory a bounded amount whatever their number. The members
// accept any id (the worst case: an application that does not replace
// unknown sessions), so every forged id naming the disabled node2 is a
// moved session; the write budget bounds the Redis keys, the tables'
// bound the memory, and every entry is either written or counted as
// dropped. In learn mode, forged ids cost at most the lookup budget in
// Redis round trips, and a repeated one is answered by the negative cache.
func TestForgedSessionIDsAreBounded(t *testing.T) {
	const rate = 200
	n := *forgedCount
	rd := testutil.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2"), testutil.StartMember(t, "node3")}
	r := startReplicaWith(t, fmt.Sprintf("addr: %s\n    writerate: %d\n    lookuprate: %d", rd.Addr, rate, rate), ms...)
	testutil.Eventually(t, "the replica is connected", func() bool { return r.metric(t, "balancer_store_up") == 1 })
	r.edit(t, "node2", `{"status":["disabled"]}`)
	ctx := context.Background()
	keys0 := c.DBSize(ctx).Val()
	pid := r.proc.cmd.Process.Pid
	rss0 := procStatus(t, pid, "VmRSS")

	start := time.Now()
	if f, why := sendForged("http://"+r.addr+"/", n, func(i int) string { return fmt.Sprintf("forged%d.node2", i) }); f != 0 {
		t.Fatalf("%d forged requests failed: %q", f, why)
	}
	moveSecs := time.Since(start).Seconds()
	// Every moved entry is written or counted as dropped.
	dropped := func() float64 {
		return r.metric(t, `balancer_store_writes_dropped_total{reason="budget"}`) +
			r.metric(t, `balancer_store_writes_dropped_total{reason="queue"}`) +
			r.metric(t, `balancer_store_writes_dropped_total{reason="unreachable"}`)
	}
	testutil.Eventually(t, "every moved entry written or counted as dropped", func() bool {
		return r.metric(t, "balancer_store_writes_total")+r.metric(t, "balancer_store_write_errors_total")+dropped() == float64(n)
	})
	keys := c.DBSize(ctx).Val() - keys0
	keyLimit := int64(rate * (moveSecs + 1))
	t.Logf("%d forged moved ids in %.1fs: %d Redis keys (limit %d), %.0f dropped by the budget",
		n, moveSecs, keys, keyLimit, r.metric(t, `balancer_store_writes_dropped_total{reason="budget"}`))
	if keys > keyLimit {
		t.Errorf("Redis keys after %d forged ids: %d, above writerate × (seconds + 1) = %d", n, keys, keyLimit)
	}
	if n > 2*rate && dropped() == 0 {
		t.Error("no write was dropped although the forged ids outran the write budget")
	}

	start = time.Now()
	if f, why := sendForged("http://"+r.addr+"/learn/", n, func(i int) string { return fmt.Sprintf("learned%d", i) }); f != 0 {
		t.Fatalf("%d forged learned requests failed: %q", f, why)
	}
	learnSecs := time.Since(start).Seconds()
	asked := r.metric(t, `balancer_store_lookups_total{result="found"}`) + r.metric(t, `balancer_store_lookups_total{result="absent"}`) +
		r.metric(t, `balancer_store_lookups_total{result="failed"}`)
	lookupLimit := rate * (learnSecs + 1)
	t.Logf("%d forged learned ids in %.1fs: %.0f Redis lookups (limit %.0f), %.0f over the budget",
		n, learnSecs, asked, lookupLimit, r.metric(t, `balancer_store_lookups_total{result="over_budget"}`))
	if asked > lookupLimit {
		t.Errorf("Redis lookups for %d forged learned ids: %.0f, above lookuprate × (seconds + 1) = %.0f", n, asked, lookupLimit)
	}
	// One id repeated is asked once, then answered locally.
	neg0 := r.metric(t, `balancer_store_lookups_total{result="negative_cache"}`)
	testutil.Eventually(t, "a repeated made-up id is answered by the negative cache", func() bool {
		sendForged("http://"+r.addr+"/learn/", 10, func(int) string { return "again" })
		return r.metric(t, `balancer_store_lookups_total{result="negative_cache"}`)-neg0 >= 9
	})

	rss := procStatus(t, pid, "VmRSS")
	t.Logf("RSS %d kB before, %d kB after (+%d kB); Redis keys +%d", rss0, rss, rss-rss0, c.DBSize(ctx).Val()-keys0)
	// The tables hold at most maxsessions (100000) entries each.
	if rss-rss0 > 256<<10 {
		t.Errorf("RSS grew by %d kB for %d forged ids", rss-rss0, 2*n)
	}
}
