package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"balancer/internal/testutil"
)

// The lbmethod edited through the manager's API while requests flow, sticky
// and not: no request fails, the method in force is the one set, and under
// go test -race no choice races with the edit.
func TestLBMethodEditedThroughTheManagerUnderLoad(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	a, base, _ := startApp(t, `
balancers:
  - name: c
    stickysession: JSESSIONID
    members:
      - url: {{m0}}
        route: node1
      - url: {{m1}}
        route: node2
routes:
  - path: /
    balancer: c
`, ms...)
	api := "http://" + a.ManagerAddr() + "/balancer-manager/api"
	resp, err := http.Get(api + "/nonce")
	if err != nil {
		t.Fatal(err)
	}
	var n struct{ Nonce string }
	json.NewDecoder(resp.Body).Decode(&n)
	resp.Body.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var done, failed atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/x", nil)
				if (w+i)%2 == 0 {
					req.Header.Set("Cookie", "JSESSIONID=s.node2")
				}
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				done.Add(1)
			}
		})
	}
	methods := []string{"bybusyness", "bytraffic", "byrequests"}
	for i := range 30 {
		want := methods[i%len(methods)]
		req, _ := http.NewRequest(http.MethodPost, api+"/balancers/c", strings.NewReader(`{"lbmethod": "`+want+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Balancer-Nonce", n.Nonce)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("edit to %s: status %d\n%s", want, resp.StatusCode, body)
		}
		if got := a.Proxy().Snapshot().Balancer("c").Method().Name(); got != want {
			t.Fatalf("lbmethod %s after the edit, want %s", got, want)
		}
		before := done.Load()
		testutil.Eventually(t, "requests served with "+want, func() bool { return done.Load() >= before+8 })
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed", failed.Load(), done.Load())
	}
}
