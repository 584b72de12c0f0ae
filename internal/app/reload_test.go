package app

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestReloadListenersAndLimitsUnderLoad: reloads that change the limits
// (a new server each time) and add and remove a second listener, while
// keep-alive clients send requests to the listener that stays, fail none
// of them.
func TestReloadListenersAndLimitsUnderLoad(t *testing.T) {
	m := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	yml := strings.Replace(twoMembers, "    healthcheck:\n      uri: /health\n      interval: 100ms\n      fails: 2\n      passes: 2\n", "", 1)
	a, base, path := startApp(t, yml, m...)
	stays := a.ProxyAddr()
	orig, _ := os.ReadFile(path)
	fixed := strings.Replace(string(orig), "listen: 127.0.0.1:0\n", fmt.Sprintf("listen: %q\n", stays), 1)
	os.WriteFile(path, []byte(fixed), 0o644)
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	first := a.listeners[0]
	a.mu.Unlock()
	var failed, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(base + "/")
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				} else {
					io.Copy(io.Discard, resp.Body)
				}
				if resp != nil {
					resp.Body.Close()
				}
				done.Add(1)
			}
		}()
	}
	for i := range 10 {
		listen := fmt.Sprintf("listen: %q\n", stays)
		if i%2 == 0 {
			listen = fmt.Sprintf("listen: [%q, \"127.0.0.1:0\"]\n", stays)
		}
		y := strings.Replace(string(orig), "listen: 127.0.0.1:0\n", listen, 1)
		y += fmt.Sprintf("limits:\n  idletimeout: %ds\n", 30+i)
		os.WriteFile(path, []byte(y), 0o644)
		before := done.Load()
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		testutil.Eventually(t, "requests served after the reload", func() bool { return done.Load() > before+20 })
		a.mu.Lock()
		n := len(a.listeners)
		a.mu.Unlock()
		if want := 2 - i%2; n != want {
			t.Fatalf("reload %d: %d listeners, want %d", i, n, want)
		}
	}
	close(stop)
	wg.Wait()
	a.mu.Lock()
	kept := a.listeners[0] == first
	a.mu.Unlock()
	if !kept {
		t.Error("the listener that stayed in the file was reopened")
	}
	t.Logf("%d requests during 10 reloads changing limits and listeners, %d failed", done.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	if c, err := net.Dial("tcp", stays); err != nil {
		t.Fatalf("the listener that stayed: %v", err)
	} else {
		c.Close()
	}
}
