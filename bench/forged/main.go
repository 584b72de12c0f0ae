// Command forged sends made-up session ids to a running balancer (see
// run.sh) and checks what they cost: Redis keys and lookups within the
// store's per-second budgets, resident memory within a limit.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
)

type run struct {
	addr, metrics string
	pid, n, conns int
}

func main() {
	var r run
	var redisAddr string
	var writeRate, lookupRate, rssLimit float64
	flag.StringVar(&r.addr, "addr", "127.0.0.1:19380", "the balancer's listener")
	flag.StringVar(&r.metrics, "metrics", "http://127.0.0.1:19381/metrics", "the balancer's /metrics")
	flag.StringVar(&redisAddr, "redis", "127.0.0.1:19379", "the Redis the balancer uses")
	flag.IntVar(&r.pid, "pid", 0, "the balancer's process id (for /proc)")
	flag.IntVar(&r.n, "n", 1000000, "made-up ids of each kind")
	flag.IntVar(&r.conns, "conns", 32, "client keep-alive connections")
	flag.Float64Var(&writeRate, "writerate", 1000, "the balancer's store.redis.writerate")
	flag.Float64Var(&lookupRate, "lookuprate", 1000, "the balancer's store.redis.lookuprate")
	flag.Float64Var(&rssLimit, "rsslimit", 128<<10, "allowed RSS growth in kB")
	flag.Parse()

	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	ctx := context.Background()
	wait(func() bool { return r.metric("balancer_store_up") == 1 })
	keys0, rss0 := rdb.DBSize(ctx).Val(), rss(r.pid)
	ok := true

	secs, failed := r.send("/", func(i int) string { return "forged" + strconv.Itoa(i) + ".node2" })
	wait(func() bool {
		done := r.metric("balancer_store_writes_total") + r.metric("balancer_store_write_errors_total")
		for _, why := range []string{"budget", "queue", "unreachable"} {
			done += r.metric(`balancer_store_writes_dropped_total{reason="` + why + `"}`)
		}
		return done >= float64(r.n)
	})
	keys := rdb.DBSize(ctx).Val() - keys0
	keyLimit := int64(writeRate * (secs + 1))
	fmt.Printf("moved: %d made-up ids in %.1f s (%.0f req/s, %d failed): Redis keys +%d (limit %d), written %.0f, dropped by the budget %.0f\n",
		r.n, secs, float64(r.n)/secs, failed, keys, keyLimit, r.metric("balancer_store_writes_total"),
		r.metric(`balancer_store_writes_dropped_total{reason="budget"}`))
	ok = ok && keys <= keyLimit

	secs, failed = r.send("/learn/", func(i int) string { return "learned" + strconv.Itoa(i) })
	asked := r.metric(`balancer_store_lookups_total{result="found"}`) + r.metric(`balancer_store_lookups_total{result="absent"}`) +
		r.metric(`balancer_store_lookups_total{result="failed"}`)
	lookupLimit := lookupRate * (secs + 1)
	fmt.Printf("learned: %d made-up ids in %.1f s (%.0f req/s, %d failed): Redis lookups %.0f (limit %.0f), over the budget %.0f, negative cache %.0f\n",
		r.n, secs, float64(r.n)/secs, failed, asked, lookupLimit,
		r.metric(`balancer_store_lookups_total{result="over_budget"}`), r.metric(`balancer_store_lookups_total{result="negative_cache"}`))
	ok = ok && asked <= lookupLimit

	rss1 := rss(r.pid)
	fmt.Printf("balancer RSS: %d kB before, %d kB after (+%d kB, limit +%.0f kB); Redis keys %d before, %d after\n",
		rss0, rss1, rss1-rss0, rssLimit, keys0, rdb.DBSize(ctx).Val())
	ok = ok && float64(rss1-rss0) <= rssLimit
	if !ok {
		fmt.Println("FAIL: a bound was exceeded")
		os.Exit(1)
	}
	fmt.Println("ok: every bound held")
}

// send sends r.n GETs to path, the i-th with JSESSIONID=id(i), over
// r.conns connections; it returns the seconds taken and the failures.
func (r *run) send(path string, id func(int) string) (float64, int64) {
	c := &fasthttp.HostClient{Addr: r.addr, MaxConns: r.conns}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range r.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for {
				i := int(next.Add(1)) - 1
				if i >= r.n {
					return
				}
				req.Reset()
				req.SetRequestURI("http://" + r.addr + path)
				req.Header.SetCookie("JSESSIONID", id(i))
				if err := c.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start).Seconds(), failed.Load()
}

// metric reads one sample of /metrics, 0 when absent.
func (r *run) metric(sample string) float64 {
	resp, err := http.Get(r.metrics)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// rss returns a process's resident memory in kB.
func rss(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// wait polls cond for up to 30 s.
func wait(cond func() bool) {
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Println("FAIL: the balancer did not reach the expected state in 30 s")
			os.Exit(1)
		}
	}
}
