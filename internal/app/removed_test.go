package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// removedYAML has the member "base" and, unless i < 0, the member m<i>
// (another URL of the same server), both health-checked.
func removedYAML(url string, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `listen: 127.0.0.1:0
manager:
  listen: 127.0.0.1:0
balancers:
  - name: c
    stickysession: JSESSIONID
    healthcheck: {uri: /health, interval: 1h}
    members:
      - url: %s
        route: base
`, url)
	if i >= 0 {
		fmt.Fprintf(&b, "      - url: %s/m%d\n        route: m%d\n", url, i, i)
	}
	b.WriteString("routes:\n  - path: /\n    balancer: c\n")
	return b.String()
}

// nonPoolGoroutines counts goroutines other than fasthttp's pool
// cleaners, which end on their own once their pool's idle time passed.
func nonPoolGoroutines() int {
	buf := make([]byte, 8<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "(*HostClient).connsCleaner") {
			n++
		}
	}
	return n
}

func openFiles(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// Members added and removed by reloads, 1,000 of them one after another,
// each health-checked and serving a request, leave no goroutine (health
// checks, connections), open file or /metrics series behind.
func TestReloadedAwayMembersLeaveNothing(t *testing.T) {
	const members = 1000
	srv := testutil.StartMember(t, "base")
	path := filepath.Join(t.TempDir(), "balancer.yaml")
	write := func(i int) {
		if err := os.WriteFile(path, []byte(removedYAML(srv.URL, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(-1)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(cfg, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(time.Second) })
	base := "http://" + a.ProxyAddr()
	series := func() int {
		n := 0
		for _, f := range scrape(t, a) {
			n += len(f.Metric)
		}
		return n
	}
	type counts struct {
		goroutines, files, series int
		rssKiB                    int64 // reported, not compared: the heap grows and shrinks with GC
	}
	now := func() counts {
		runtime.GC()
		return counts{nonPoolGoroutines(), openFiles(t), series(), rss()}
	}
	var warm counts
	for i := range members {
		write(i)
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		if status := getCookie(t, base+"/x", fmt.Sprintf("JSESSIONID=s.m%d", i)); status != 200 {
			t.Fatalf("member %d: status %d", i, status)
		}
		write(-1)
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		if i == 99 {
			warm = now()
		}
	}
	var end counts
	testutil.Eventually(t, "goroutines, open files and series back to where they were after 100 members", func() bool {
		end = now()
		return end.goroutines <= warm.goroutines+5 && end.files <= warm.files+5 && end.series <= warm.series
	})
	t.Logf("after 100 members %+v, after %d %+v", warm, members, end)
}

func getCookie(t *testing.T, url, cookie string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// rss is the process's resident memory in KiB.
func rss() int64 {
	status, _ := os.ReadFile("/proc/self/status")
	var kib int64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fmt.Sscan(v, &kib)
		}
	}
	return kib
}
