package main

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestBinaryUpgradeWithoutDowntime: a second process binds the same
// addresses (SO_REUSEPORT), the first stops on SIGTERM, and no request of a
// steady load fails.
func TestBinaryUpgradeWithoutDowntime(t *testing.T) {
	member := startMember(t)
	addr, mgr := freeAddr(t), freeAddr(t)
	cfg := writeFile(t, "b.yaml", fmt.Sprintf(`
listen: %q
manager:
  listen: %q
gracetime: 5s
balancers:
  - name: c
    members:
      - url: %s
routes:
  - path: /
    balancer: c
`, addr, mgr, member))
	old := startBinary(t, addr, "-config", cfg)
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
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
				resp, err := c.Get("http://" + addr + "/big?n=100")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprint(err))
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	servedMore(t, &ok, 20) // load flowing through the old process
	next := startBinary(t, addr, "-config", cfg)
	// startBinary's dial is answered by the old process: wait until the
	// kernel lists the new one's socket beside it.
	testutil.Eventually(t, "both processes listening on "+addr, func() bool { return listeningSockets(t, addr) == 2 })
	old.cmd.Process.Signal(syscall.SIGTERM)
	if err := old.cmd.Wait(); err != nil {
		t.Fatalf("old process: %v\n%s", err, old.stderr.String())
	}
	servedMore(t, &ok, 20) // and on through the new one alone
	close(stop)
	wg.Wait()
	t.Logf("upgrade under load: %d requests ok, %d failed (%v)", ok.Load(), failed.Load(), firstErr.Load())
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed during the upgrade: %v", failed.Load(), firstErr.Load())
	}
	if next.cmd.ProcessState != nil {
		t.Fatal("new process exited")
	}
}

// servedMore waits until the requests counted in ok grew by n.
func servedMore(t *testing.T, ok *atomic.Int64, n int64) {
	t.Helper()
	from := ok.Load()
	testutil.Eventually(t, fmt.Sprintf("%d more requests answered", n), func() bool { return ok.Load() >= from+n })
}

// listeningSockets counts the listening TCP sockets on addr's port (one
// per process sharing it with SO_REUSEPORT).
func listeningSockets(t *testing.T, addr string) int {
	n := 0
	for _, s := range testutil.Sockets(t, addr, false) {
		if s.State == testutil.TCPListen {
			n++
		}
	}
	return n
}
