package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// With balancer timeout set, a request arriving while every member is
// disabled waits, and is served by the member the manager enables
// meanwhile instead of getting 503.
func TestTimeoutWaitsForAMemberEnabledThroughTheManager(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	a, base, _ := startApp(t, `
balancers:
  - name: c
    timeout: 1m
    members:
      - url: {{m0}}
        route: node1
        status: [disabled]
routes:
  - path: /
    balancer: c
`, m)
	api := "http://" + a.ManagerAddr() + "/balancer-manager/api"
	resp, err := http.Get(api + "/nonce")
	if err != nil {
		t.Fatal(err)
	}
	var n struct{ Nonce string }
	json.NewDecoder(resp.Body).Decode(&n)
	resp.Body.Close()

	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/x")
		if err != nil {
			answered <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	testutil.Eventually(t, "the request waiting for a member", func() bool {
		return a.Proxy().Snapshot().Balancer("c").Waiting() == 1
	})
	req, _ := http.NewRequest(http.MethodPost, api+"/balancers/c/members/node1", strings.NewReader(`{"status": []}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Balancer-Nonce", n.Nonce)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enabling node1: status %d", resp.StatusCode)
	}
	select {
	case status := <-answered:
		if status != http.StatusOK {
			t.Fatalf("the waiting request got %d, want 200 from the enabled member", status)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting request was not answered")
	}
}
