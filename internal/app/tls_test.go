package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// TestTLSTermination: HTTPS on a listener with a certificate the test
// made, X-Forwarded-Proto https to the member, a redirect listener, and a
// renewed certificate served after a reload.
func TestTLSTermination(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	dir := t.TempDir()
	cert, key, pool := testutil.SelfSigned(t, dir, "first")
	tlsAddr, plainAddr, mgr := freePort(t), freePort(t), freePort(t)
	path := filepath.Join(dir, "balancer.yaml")
	yml := fmt.Sprintf(`
listen:
  - addr: %q
    tls: {cert: %q, key: %q}
  - addr: %q
    redirecthttps: true
manager:
  listen: %q
balancers:
  - name: c
    members:
      - url: %s
routes:
  - path: /
    balancer: c
`, tlsAddr, cert, key, plainAddr, mgr, m.URL)
	os.WriteFile(path, []byte(yml), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(time.Second)
	client := func(pool *x509.CertPool) *http.Client {
		return &http.Client{
			Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	resp, err := client(pool).Get("https://" + tlsAddr + "/x?y=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("https: %d", resp.StatusCode)
	}
	seen := m.Seen()
	if got := seen[len(seen)-1].Header.Get("X-Forwarded-Proto"); got != "https" {
		t.Fatalf("X-Forwarded-Proto = %q", got)
	}
	resp, err = client(nil).Get("http://" + plainAddr + "/x?y=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 308 || loc != "https://"+plainAddr+"/x?y=1" {
		t.Fatalf("redirect listener: %d %q", resp.StatusCode, loc)
	}
	// A renewed certificate (same files, new content) is served after a reload.
	cert2, key2, pool2 := testutil.SelfSigned(t, dir, "second")
	b2, _ := os.ReadFile(cert2)
	k2, _ := os.ReadFile(key2)
	os.WriteFile(cert, b2, 0o600)
	os.WriteFile(key, k2, 0o600)
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	resp, err = client(pool2).Get("https://" + tlsAddr + "/")
	if err != nil {
		t.Fatalf("renewed certificate not served: %v", err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.TLS.PeerCertificates[0].Subject.CommonName, "second") {
		t.Fatal("old certificate still served")
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
