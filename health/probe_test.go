package health

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

func TestProbeTCP(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	c := New(&recorder{})
	for _, tc := range []struct {
		name, url string
		ok        bool
		errHas    string
	}{
		{"listening", m.URL, true, ""},
		{"closed", "http://" + closedPort(t), false, "connect: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.Probe(context.Background(), Target{Key: "k", URL: tc.url, Spec: Spec{Method: "tcp", Timeout: time.Second}})
			if res.OK != tc.ok || !strings.Contains(res.Err, tc.errHas) || res.Status != 0 {
				t.Fatalf("got %+v, want ok=%v err containing %q", res, tc.ok, tc.errHas)
			}
		})
	}
	if n := m.Count(); n != 0 {
		t.Errorf("TCP checks sent %d HTTP requests", n)
	}
}

func TestProbeExpect(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	rng := func(lo, hi int) func(int) bool { return func(s int) bool { return s >= lo && s <= hi } }
	list := func(codes ...int) func(int) bool {
		return func(s int) bool {
			for _, c := range codes {
				if s == c {
					return true
				}
			}
			return false
		}
	}
	c := New(&recorder{})
	for _, tc := range []struct {
		name   string
		status int
		expect func(int) bool
		ok     bool
	}{
		{"default accepts 200", 200, nil, true},
		{"default accepts 302", 302, nil, true},
		{"default rejects 404", 404, nil, false},
		{"default rejects 503", 503, nil, false},
		{"200-299 rejects 302", 302, rng(200, 299), false},
		{"200-299 accepts 204", 204, rng(200, 299), true},
		{"list accepts 204", 204, list(200, 204), true},
		{"list rejects 201", 201, list(200, 204), false},
		{"503 can be expected", 503, list(503), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Subtests share the member, so they run one at a time.
			m.Status.Store(int64(tc.status))
			res := c.Probe(context.Background(), Target{Key: "k", URL: m.URL, Spec: Spec{Timeout: time.Second, Expect: tc.expect}})
			if res.OK != tc.ok || res.Status != tc.status {
				t.Fatalf("got %+v, want ok=%v status=%d", res, tc.ok, tc.status)
			}
			if want := fmt.Sprintf("unexpected status %d", tc.status); !tc.ok && res.Err != want {
				t.Errorf("err = %q, want %q", res.Err, want)
			}
		})
	}
}

func TestProbeRequest(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	c := New(&recorder{})
	for _, tc := range []struct {
		method, path, uri string
		wantMethod        string
		wantURI           string
	}{
		{"", "", "", "GET", "/"},
		{"get", "", "/health", "GET", "/health"},
		{"HEAD", "", "/health", "HEAD", "/health"},
		{"OPTIONS", "", "/health", "OPTIONS", "/health"},
		{"GET", "/app", "/health", "GET", "/app/health"},
		{"HEAD", "/app/", "health?deep=1", "HEAD", "/app/health?deep=1"},
		{"OPTIONS", "/app", "", "OPTIONS", "/app"},
		{"GET", "/a%20b", "/x", "GET", "/a%20b/x"},
	} {
		t.Run(tc.wantMethod+tc.wantURI, func(t *testing.T) {
			m.Reset()
			res := c.Probe(context.Background(), Target{Key: "k", URL: m.URL + tc.path, Spec: Spec{Method: tc.method, URI: tc.uri, Timeout: time.Second}})
			if !res.OK || res.Status != 200 {
				t.Fatalf("got %+v", res)
			}
			seen := m.Seen()
			if len(seen) != 1 {
				t.Fatalf("member saw %d requests, want 1", len(seen))
			}
			s := seen[0]
			if s.Method != tc.wantMethod || s.URI != tc.wantURI {
				t.Errorf("member saw %s %s, want %s %s", s.Method, s.URI, tc.wantMethod, tc.wantURI)
			}
			if ua := s.Header.Get("User-Agent"); ua != UserAgent {
				t.Errorf("User-Agent = %q", ua)
			}
			if cn := s.Header.Get("Connection"); cn != "close" {
				t.Errorf("Connection = %q, want close", cn)
			}
		})
	}
}

func TestProbeResponses(t *testing.T) {
	t.Parallel()
	endless := func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
		chunk := []byte("1000\r\n" + strings.Repeat("x", 0x1000) + "\r\n")
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}
	for _, tc := range []struct {
		name    string
		serve   func(net.Conn)
		timeout time.Duration
		ok      bool
		status  int
		err     string
	}{
		{"hung member times out", hang, 100 * time.Millisecond, false, 0, "read response: timed out after 100ms"},
		{"endless body is read only up to the bound", endless, 3 * time.Second, true, 200, ""},
		{"body cut short fails", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"))
		}, time.Second, false, 200, "read body: "},
		{"head then silence times out", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"))
			hang(c)
		}, 100 * time.Millisecond, false, 200, "read body: timed out after 100ms"},
		{"garbage is no response", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-OpenSSH\r\n\r\n"))
		}, time.Second, false, 0, "read response: "},
		{"interim 100 is skipped", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
		}, time.Second, true, 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := rawServer(t, tc.serve)
			res := New(&recorder{}).Probe(context.Background(), Target{Key: "k", URL: url, Spec: Spec{Timeout: tc.timeout}})
			if res.OK != tc.ok || res.Status != tc.status || !strings.HasPrefix(res.Err, tc.err) {
				t.Fatalf("got %+v, want ok=%v status=%d err prefix %q", res, tc.ok, tc.status, tc.err)
			}
			if !tc.ok && strings.Contains(tc.err, "timed out") && res.Duration < tc.timeout {
				t.Errorf("timed out after %v, before the %v timeout", res.Duration, tc.timeout)
			}
		})
	}
}

func TestProbeCancelled(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	url := rawServer(t, func(c net.Conn) { arrived <- struct{}{}; hang(c) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() {
		done <- New(&recorder{}).Probe(ctx, Target{Key: "k", URL: url, Spec: Spec{Timeout: time.Minute}})
	}()
	testutil.Receive(t, arrived, "the check's request at the server") // in flight
	cancel()
	select {
	case res := <-done:
		if res.OK || !strings.Contains(res.Err, "context canceled") {
			t.Fatalf("got %+v", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled check kept waiting for its one-minute timeout")
	}
}

func TestProbeTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || r.Header.Get("User-Agent") != UserAgent {
			w.WriteHeader(400)
		}
	}))
	// The untrusted case makes the server log a failed handshake.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	target := Target{Key: "k", URL: srv.URL, Spec: Spec{URI: "/health", Timeout: time.Second}}
	for _, tc := range []struct {
		name string
		conf *tls.Config
		ok   bool
		err  string
	}{
		{"trusted", &tls.Config{RootCAs: pool}, true, ""},
		{"untrusted", nil, false, "tls handshake: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := New(&recorder{}, WithTLSConfig(tc.conf)).Probe(context.Background(), target)
			if res.OK != tc.ok || !strings.HasPrefix(res.Err, tc.err) {
				t.Fatalf("got %+v", res)
			}
		})
	}
}

func BenchmarkProbe(b *testing.B) {
	m := testutil.StartMember(b, "n1")
	c := New(&recorder{})
	for _, method := range []string{"GET", "TCP"} {
		b.Run(method, func(b *testing.B) {
			tg := Target{Key: "k", URL: m.URL, Spec: Spec{Method: method, URI: "/health", Timeout: time.Second}}
			b.ReportAllocs()
			for b.Loop() {
				if res := c.Probe(context.Background(), tg); !res.OK {
					b.Fatal(res.Err)
				}
			}
		})
	}
}
