package proxy

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"balancer/config"
	"balancer/internal/testutil"
)

// An lbmethod edited while requests flow (sticky and not) never races
// with the choices in flight: under go test -race this fails on an
// unlocked read of the method, or on two methods updating lbstatus under
// different locks.
func TestLBMethodEditUnderLoad(t *testing.T) {
	ms := threeMembers(t)
	p, base := startProxy(t, threeYAML, ms...)
	yml := strings.NewReplacer("{{m0}}", ms[0].URL, "{{m1}}", ms[1].URL, "{{m2}}", ms[2].URL).Replace(threeYAML)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var done, failed atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/x", nil)
				if (w+i)%2 == 0 {
					req.Header.Set("Cookie", "JSESSIONID=abc.node2")
				}
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	methods := []string{"bytraffic", "bybusyness", "byrequests"}
	for i := range 30 {
		want := methods[i%len(methods)]
		cfg, err := config.Parse("test.yaml", []byte(strings.Replace(yml, "lbmethod: byrequests", "lbmethod: "+want, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(cfg); err != nil {
			t.Fatal(err)
		}
		if got := p.Snapshot().Balancer("cluster").Method().Name(); got != want {
			t.Fatalf("lbmethod %s after the edit, want %s", got, want)
		}
		n := done.Load()
		testutil.Eventually(t, "requests served with "+want, func() bool { return done.Load() >= n+8 })
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed", failed.Load(), done.Load())
	}
}
