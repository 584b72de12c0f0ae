package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// reloadEnv is one balancer process whose file a test rewrites and
// reloads with SIGHUP.
type reloadEnv struct {
	p      *proc
	file   string
	addr   string // the first public listener
	mgr    string // the manager listener of the last file written
	m1, m2 *testutil.Member
}

// conf is what a test sets in the file; empty fields keep the defaults.
type conf struct {
	listen  string // the listen value; default the env's address
	mgr     string // manager.listen; default the env's manager address
	manager string // more lines under manager:, indented two spaces
	top     string // more top-level lines
	bal     string // more lines of balancer c, indented four spaces
	member1 string // more lines of member node1, indented eight spaces
}

func (e *reloadEnv) yaml(c conf) string {
	if c.listen == "" {
		c.listen = strconv.Quote(e.addr)
	}
	if c.mgr == "" {
		c.mgr = e.mgr
	}
	return fmt.Sprintf(`listen: %s
manager:
  listen: %q
%s%s
balancers:
  - name: c
    stickysession: JSESSIONID
%s    members:
      - url: %s
        route: node1
%s      - url: %s
        route: node2
routes:
  - path: /
    balancer: c
`, c.listen, c.mgr, c.manager, c.top, c.bal, e.m1.URL, c.member1, e.m2.URL)
}

// startReloadEnv starts the balancer on c, in front of members (node1
// and node2) it starts unless given.
func startReloadEnv(t *testing.T, c conf, members ...*testutil.Member) *reloadEnv {
	t.Helper()
	e := &reloadEnv{}
	if len(members) == 2 {
		e.m1, e.m2 = members[0], members[1]
	} else {
		e.m1, e.m2 = testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")
	}
	// The ports are picked once the members listen: a port picked free
	// and released before could be handed to a member's listener.
	e.addr, e.mgr = freeAddr(t), freeAddr(t)
	if c.mgr != "" {
		e.mgr = c.mgr
	}
	e.file = writeFile(t, "balancer.yaml", e.yaml(c))
	e.p = startBinary(t, e.addr, "-config", e.file)
	waitListening(t, e.mgr, e.p)
	return e
}

// reload writes c into the file, sends SIGHUP and waits until the reload
// ran; it reports whether the reload succeeded.
func (e *reloadEnv) reload(t *testing.T, c conf) bool {
	t.Helper()
	y := e.yaml(c)
	if err := os.WriteFile(e.file, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return e.hup(t, c.mgr)
}

// hup sends SIGHUP and waits until the reload counted; mgr is where the
// manager listens after a successful reload ("" when it does not move).
func (e *reloadEnv) hup(t *testing.T, mgr string) bool {
	t.Helper()
	if mgr == "" {
		mgr = e.mgr
	}
	total := func() float64 { return max(e.reloadsTotal(t, e.mgr), e.reloadsTotal(t, mgr)) }
	before := total()
	e.p.cmd.Process.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "the reload ran", func() bool { return total() > before })
	if metric(t, mgr, "balancer_config_last_reload_successful") == 1 {
		e.mgr = mgr
		return true
	}
	return false
}

func (e *reloadEnv) reloadsTotal(t *testing.T, mgr string) float64 {
	return metric(t, mgr, `balancer_config_reloads_total{result="success"}`) +
		metric(t, mgr, `balancer_config_reloads_total{result="failure"}`)
}

// quick gives up on a listener that accepts but never answers (one a
// test holds busy).
var quick = &http.Client{Timeout: 2 * time.Second}

// metric reads one sample of the manager's /metrics (-1 when absent or
// unreachable).
func metric(t *testing.T, mgr, name string) float64 {
	t.Helper()
	resp, err := quick.Get("http://" + mgr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	s := bufio.NewScanner(resp.Body)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// reloadInfo is the manager API's account of the last reload.
type reloadInfo struct {
	At    *time.Time
	OK    bool
	Error string
}

// apiDoc is GET {path}/api/balancers, the parts the tests read.
type apiDoc struct {
	Info struct {
		Store  string
		Reload reloadInfo
	}
	Balancers []struct {
		MovedSessions int
		Members       []apiMember
	}
}

func (e *reloadEnv) api(t *testing.T, path string) apiDoc {
	t.Helper()
	resp, err := http.Get("http://" + e.mgr + path + "/api/balancers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc apiDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("%s/api/balancers (%d): %v", path, resp.StatusCode, err)
	}
	return doc
}

// editStatus posts an edit of member route through the JSON API under
// path, with credentials when user is set, and returns the status.
func (e *reloadEnv) editStatus(t *testing.T, path, route, body, user, pass string) int {
	t.Helper()
	base := "http://" + e.mgr + path + "/api"
	req, _ := http.NewRequest("GET", base+"/nonce", nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	var n struct{ Nonce string }
	if resp, err := http.DefaultClient.Do(req); err == nil {
		json.NewDecoder(resp.Body).Decode(&n)
		resp.Body.Close()
	}
	req, _ = http.NewRequest("POST", base+"/balancers/c/members/"+route, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Balancer-Nonce", n.Nonce)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// status answers a GET of url with a fresh connection.
func status(t *testing.T, url string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// rawConn is one client connection the test keeps open.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c, bufio.NewReader(c)}
}

// get sends a keep-alive GET on the connection and returns the status,
// or an error when the connection is gone.
func (r *rawConn) get(path string) (int, error) {
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(r.c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// ended waits up to 5s for the server to end the connection: close it,
// or answer an unfinished request (408).
func (r *rawConn) ended() bool {
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := r.br.ReadByte()
	if err == nil {
		return true
	}
	ne, ok := err.(net.Error)
	return !ok || !ne.Timeout()
}
