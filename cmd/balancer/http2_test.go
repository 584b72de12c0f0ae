package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"balancer/internal/testutil"
)

// TestHTTP2WithCurl: curl, as a user checks it (README "HTTP/2"), gets
// HTTP/2 by ALPN from a TLS listener, HTTP/1.1 from one with http2: false,
// h2c with prior knowledge from a plain listener with h2c: true (which
// still serves HTTP/1.1); the access log and /metrics name the protocol.
func TestHTTP2WithCurl(t *testing.T) {
	curl := testutil.Need(t, "curl", "curl")
	m := testutil.StartMember(t, "node1")
	dir := t.TempDir()
	cert, key, _ := testutil.SelfSigned(t, dir, "balancer")
	h2, h1only, h2c, mgr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	logFile := filepath.Join(dir, "access.log")
	file := writeFile(t, "balancer.yaml", fmt.Sprintf(`
listen:
  - addr: %q
    tls: {cert: %q, key: %q}
  - addr: %q
    tls: {cert: %q, key: %q}
    http2: false
  - addr: %q
    h2c: true
manager:
  listen: %q
accesslog: {path: %q, format: combined}
balancers:
  - name: c
    members:
      - {url: %q, route: node1}
routes:
  - {path: /, balancer: c}
`, h2, cert, key, h1only, cert, key, h2c, mgr, logFile, m.URL))
	p := startBinary(t, h2, "-config", file)
	waitListening(t, mgr, p)
	defer p.logOnFailure(t)
	cases := []struct {
		name string
		args []string
		want string // curl's http_version and status
	}{
		{"tls offers h2", []string{"-k", "--http2", "https://" + h2 + "/a"}, "2 200"},
		{"http2: false", []string{"-k", "--http2", "https://" + h1only + "/b"}, "1.1 200"},
		{"h2c with prior knowledge", []string{"--http2-prior-knowledge", "http://" + h2c + "/c"}, "2 200"},
		{"HTTP/1.1 on the h2c listener", []string{"http://" + h2c + "/d"}, "1.1 200"},
		{"a POST over h2", []string{"-k", "--http2", "--data-binary", "@" + file, "https://" + h2 + "/e"}, "2 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}"}, c.args...)
			out, err := exec.Command(curl, args...).CombinedOutput()
			if err != nil || string(out) != c.want {
				t.Fatalf("curl %s: %q (%v), want %q", strings.Join(c.args, " "), out, err, c.want)
			}
		})
	}
	seen := m.Seen()
	if len(seen) != 5 || string(seen[4].Body) != mustRead(t, file) {
		t.Fatalf("the member saw %d requests (the POST's body intact: %t)", len(seen), len(seen) == 5 && string(seen[4].Body) == mustRead(t, file))
	}
	testutil.Eventually(t, "the access log's five lines", func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Count(string(b), "\n") == 5
	})
	b, _ := os.ReadFile(logFile)
	for _, want := range []string{`"GET /a HTTP/2.0" 200`, `"GET /b HTTP/1.1" 200`, `"GET /c HTTP/2.0" 200`, `"GET /d HTTP/1.1" 200`, `"POST /e HTTP/2.0" 200`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("access log lacks %s:\n%s", want, b)
		}
	}
	if v := metric(t, mgr, `balancer_client_requests_total{protocol="HTTP/2.0"}`); v != 3 {
		t.Errorf("HTTP/2.0 requests in /metrics: %v, want 3", v)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
