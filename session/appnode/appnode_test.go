package appnode

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"balancer/session"
)

// nodes starts three nodes in this process on one shared MemoryStore, as
// the balancer's demo runs them.
func nodes(t *testing.T) map[string]*httptest.Server {
	t.Helper()
	store := session.NewMemoryStore()
	out := map[string]*httptest.Server{}
	for _, w := range []string{"node1", "node2", "node3"} {
		m, err := session.New(store, session.Config{Worker: w, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(New(w, m))
		t.Cleanup(func() { srv.Close(); m.Close() })
		out[w] = srv
	}
	return out
}

func counter(t *testing.T, c *http.Client, url string) State {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st State
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestCounterMovesBetweenNodes: the count follows the session from node to
// node over the shared store, and "session" is the id the client holds.
func TestCounterMovesBetweenNodes(t *testing.T) {
	ns := nodes(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for i, w := range []string{"node1", "node1", "node2", "node3", "node1"} {
		st := counter(t, c, ns[w].URL+"/counter")
		u, _ := url.Parse(ns[w].URL)
		cookies := jar.Cookies(u)
		if st.Node != w || st.Count != i+1 || !strings.HasSuffix(st.Session, "."+w) ||
			len(cookies) != 1 || cookies[0].Value != st.Session {
			t.Fatalf("request %d on %s: %+v, cookies %v", i+1, w, st, cookies)
		}
	}
}

// TestPathParameterSession: a client without cookies keeps its session in
// the ;jsessionid= path parameter, on any node.
func TestPathParameterSession(t *testing.T) {
	ns := nodes(t)
	c := &http.Client{}
	first := counter(t, c, ns["node1"].URL+"/counter")
	for i, w := range []string{"node1", "node2"} {
		st := counter(t, c, ns[w].URL+"/counter;jsessionid="+first.Session)
		if st.Count != i+2 || st.Node != w {
			t.Fatalf("on %s: %+v, want count %d", w, st, i+2)
		}
	}
}

// TestPageHealthAndForm: the HTML page shows node, count and session; the
// form's POST counts and redirects; /health answers 200; other paths 404.
func TestPageHealthAndForm(t *testing.T) {
	srv := nodes(t)["node2"]
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string, http.Header) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	code, body, hdr := get("/")
	if code != 200 || !strings.Contains(body, `<span class="node">node2</span>`) || !strings.Contains(body, `<div class="count">0</div>`) ||
		!strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || hdr.Get("Content-Security-Policy") == "" {
		t.Fatalf("page: %d %s", code, body)
	}
	for range 2 {
		resp, err := c.PostForm(srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.Method != "GET" || resp.Request.URL.Path != "/" {
			t.Fatalf("POST / did not redirect to the page: %s %s", resp.Request.Method, resp.Request.URL)
		}
	}
	u, _ := url.Parse(srv.URL)
	_, body, _ = get("/")
	if !strings.Contains(body, `<div class="count">2</div>`) || !strings.Contains(body, jar.Cookies(u)[0].Value) {
		t.Fatalf("page after two counts: %s", body)
	}
	if code, body, _ := get("/health"); code != 200 || body != "ok\n" {
		t.Fatalf("health: %d %q", code, body)
	}
	if code, _, _ := get("/nothing"); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
}
