package managerui

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// testBackend is a Backend over a real configuration: Apply goes through
// config.WithEdits, so validation and edit semantics are the real ones;
// the runtime counters are whatever the test sets in extra.
type testBackend struct {
	mu      sync.Mutex
	cfg     *config.Config
	extra   map[string]Member // runtime fields by member URL
	info    Info
	applied [][]config.Edit
	// mangle, when set, rewrites the views (to feed hostile strings that
	// the configuration would refuse).
	mangle func([]Balancer)
}

const testYAML = `
listen: "127.0.0.1:0"
manager:
  listen: "127.0.0.1:0"
balancers:
  - name: shop
    lbmethod: byrequests
    stickysession: JSESSIONID|jsessionid
    members:
      - url: http://127.0.0.1:8101
        route: node1
      - url: http://127.0.0.1:8102
        route: node2
        loadfactor: 2
      - url: http://127.0.0.1:8103
        route: node3
        status: [hot-standby]
routes:
  - path: /
    balancer: shop
`

func newTestBackend(t testing.TB) *testBackend {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	return &testBackend{
		cfg:   cfg,
		extra: map[string]Member{},
		info:  Info{Version: "v1.2.3", Started: time.Now().Add(-90 * time.Minute), Store: "local"},
	}
}

func (b *testBackend) Balancers() []Balancer {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Balancer
	for _, bc := range b.cfg.Balancers {
		v := Balancer{
			Name: bc.Name, LBMethod: bc.LBMethod, StickySession: bc.StickySession, StickyMode: bc.StickyMode,
			NoFailover: bc.NoFailover, Timeout: bc.Timeout.D().String(), MaxAttempts: bc.Attempts(),
		}
		for _, r := range b.cfg.Routes {
			if r.Balancer == bc.Name {
				v.Paths = append(v.Paths, r.Path)
			}
		}
		for _, mc := range bc.Members {
			mv := b.extra[mc.URL]
			mv.URL, mv.Route, mv.Redirect = mc.URL, mc.Route, mc.Redirect
			mv.LoadFactor, mv.LBSet = mc.LoadFactor, mc.LBSet
			mv.Status = append([]string{}, mc.Status...)
			mv.Usable = len(mc.Status) == 0
			mv.SessionsWindow = "5m0s"
			if mv.Health.State == "" {
				mv.Health.State = "unchecked"
			}
			v.Members = append(v.Members, mv)
		}
		out = append(out, v)
	}
	if b.mangle != nil {
		b.mangle(out)
	}
	return out
}

func (b *testBackend) Apply(edits []config.Edit) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	cfg, err := config.WithEdits(b.cfg, edits)
	if err != nil {
		return err
	}
	b.cfg = cfg
	b.applied = append(b.applied, edits)
	return nil
}

func (b *testBackend) Info() Info {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info
}

// set changes the runtime fields of the member at url.
func (b *testBackend) set(url string, f func(*Member)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.extra[url]
	f(&m)
	b.extra[url] = m
}

// member returns the configured member at url.
func (b *testBackend) member(t testing.TB, url string) config.Member {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, bc := range b.cfg.Balancers {
		for _, m := range bc.Members {
			if m.URL == url {
				return m
			}
		}
	}
	t.Fatalf("no member %s", url)
	return config.Member{}
}

// edits counts the Apply calls that succeeded.
func (b *testBackend) edits() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.applied)
}

// demoBackend adds the demo's node control.
type demoBackend struct {
	*testBackend
	mu    sync.Mutex
	calls []string
}

func (d *demoBackend) SetNodeRunning(route string, running bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, fmt.Sprintf("%s=%v", route, running))
	return nil
}

// serve starts a real fasthttp server with m's handler on 127.0.0.1 and
// returns its base URL.
func serve(t testing.TB, m *Manager) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: m.Handler(), NoDefaultServerHeader: true}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

// start builds a Manager over b with o and serves it.
func start(t testing.TB, b Backend, o Options) (*Manager, *client) {
	t.Helper()
	m, err := New(b, o)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, serve(t, m))
	c.m = m
	return m, c
}

// client is a browser-like HTTP client: it keeps cookies and does not
// follow redirects.
type client struct {
	t    testing.TB
	m    *Manager // the manager behind base, when the test started it
	base string
	hc   *http.Client
	user *url.Userinfo
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, hc: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		// Without keep-alive the server's shutdown finds no connection
		// open and does not wait for one to go idle.
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	return c
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request; headers are "Name: value" strings.
func (c *client) do(method, path, contentType, body string, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.user != nil {
		p, _ := c.user.Password()
		req.SetBasicAuth(c.user.Username(), p)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		if k == "Host" {
			req.Host = v // net/http sends req.Host, never a Host header
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (c *client) get(path string, headers ...string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, "", "", headers...)
}

func (c *client) postForm(v url.Values, headers ...string) response {
	c.t.Helper()
	return c.do(http.MethodPost, DefaultPath, "application/x-www-form-urlencoded", v.Encode(), headers...)
}

func (c *client) postJSON(path, body string, headers ...string) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, "application/json", body, headers...)
}

var nonceRE = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// nonce loads the page and returns its nonce (the page also sets the
// viewer cookie in the jar).
func (c *client) nonce() string {
	c.t.Helper()
	r := c.get(DefaultPath)
	m := nonceRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		c.t.Fatalf("page: status %d, no nonce in\n%s", r.status, r.body)
	}
	return m[1]
}
