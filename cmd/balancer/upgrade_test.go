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
	time.Sleep(300 * time.Millisecond)
	next := startBinary(t, addr, "-config", cfg)
	time.Sleep(200 * time.Millisecond)
	old.cmd.Process.Signal(syscall.SIGTERM)
	if err := old.cmd.Wait(); err != nil {
		t.Fatalf("old process: %v\n%s", err, old.stderr.String())
	}
	time.Sleep(300 * time.Millisecond)
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
