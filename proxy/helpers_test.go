package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// startProxy parses the YAML (with {{m0}}, {{m1}}… replaced by member URLs),
// serves it on 127.0.0.1:0 and returns the proxy and its base URL.
func startProxy(t testing.TB, yml string, members ...*testutil.Member) (*Proxy, string) {
	t.Helper()
	p, err := New(testConfig(t, yml, members...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { _ = p.servers.Shutdown(context.Background()) })
	return p, "http://" + ln.Addr().String()
}

// testConfig parses the YAML with {{m0}}, {{m1}}… replaced by the
// members' URLs.
func testConfig(t testing.TB, yml string, members ...*testutil.Member) *config.Config {
	t.Helper()
	for i, m := range members {
		yml = strings.ReplaceAll(yml, fmt.Sprintf("{{m%d}}", i), m.URL)
	}
	cfg, err := config.Parse("test.yaml", []byte(yml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yml)
	}
	return cfg
}

// client never retries by itself and keeps no cookies.
var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// get sends a GET with optional "Name: value" headers and returns the
// status, the X-Route header of the answering member and the body.
func get(t testing.TB, url string, headers ...string) (int, string, string) {
	t.Helper()
	resp := doRequest(t, client, http.MethodGet, url, nil, headers...)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Route"), string(body)
}

// doRequest sends one request with optional "Name: value" headers and returns
// the response, its body unread.
func doRequest(t testing.TB, c *http.Client, method, url string, body io.Reader, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func threeMembers(t testing.TB) []*testutil.Member {
	return []*testutil.Member{
		testutil.StartMember(t, "node1"),
		testutil.StartMember(t, "node2"),
		testutil.StartMember(t, "node3"),
	}
}

const threeYAML = `
listen: "127.0.0.1:0"
balancers:
  - name: cluster
    lbmethod: byrequests
    stickysession: JSESSIONID|jsessionid
    members:
      - url: {{m0}}
        route: node1
        loadfactor: 3
      - url: {{m1}}
        route: node2
      - url: {{m2}}
        route: node3
routes:
  - path: /
    balancer: cluster
`

// getRaw sends a GET with the request-target exactly as given over a raw
// connection and returns the status and the raw response.
func getRaw(t testing.TB, base, target string) (int, string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	raw, _ := io.ReadAll(conn)
	var status int
	fmt.Sscanf(string(raw), "HTTP/1.1 %d", &status)
	return status, "", string(raw)
}
