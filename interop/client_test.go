//go:build interop

package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"
)

// How a client carries its session.
const (
	byCookie = "cookie" // a browser: JSESSIONID cookie, re-issued cookies replace it
	byURL    = "url"    // a browser without cookies: follows the app's ;jsessionid= links
)

// reply is the counter servlet's answer.
type reply struct {
	Node    string `json:"node"`
	Session string `json:"session"`
	Count   int    `json:"count"`
	Posted  int64  `json:"posted"`
	Link    string `json:"link"`
	at      time.Time
}

// client is one user of an app through the balancer, with one session.
type client struct {
	app  *app
	mode string
	http *http.Client
	link string // byURL: the last counter link the app gave
	last reply  // the last successful answer
	gone bool   // logged out
}

// transport is shared by every client: keep-alive connections to the
// balancer, as browsers keep them.
var transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}

// clients holds every client the suite created, so that the drain case
// can end the sessions a node still holds.
var clients struct {
	sync.Mutex
	all []*client
}

// newClient returns a client of a with no session yet.
func newClient(a *app, mode string) *client {
	c := &client{app: a, mode: mode, http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
	if mode == byCookie {
		c.http.Jar, _ = cookiejar.New(nil)
	}
	clients.Lock()
	clients.all = append(clients.all, c)
	clients.Unlock()
	return c
}

// target is the path the client asks for next.
func (c *client) target(what string) string {
	if c.mode == byURL && c.link != "" {
		return strings.Replace(c.link, "/counter", "/"+what, 1)
	}
	return c.app.path + "/" + what
}

// get asks for the counter once.
func (c *client) get() (reply, error) { return c.do("GET", "counter", nil) }

// post sends body to the counter.
func (c *client) post(body []byte) (reply, error) { return c.do("POST", "counter", body) }

// logout ends the session; the app deletes its cookie.
func (c *client) logout() error {
	_, err := c.do("GET", "logout", nil)
	c.gone = true
	return err
}

func (c *client) do(method, what string, body []byte) (reply, error) {
	var r reply
	req, err := http.NewRequest(method, "http://"+lab.listenAddr+c.target(what), bytes.NewReader(body))
	if err != nil {
		return r, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return r, fmt.Errorf("%s %s: reading the body: %v", method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("%s %s: %s: %.200s", method, req.URL.Path, resp.Status, b)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s %s: %v: %.200s", method, req.URL.Path, err, b)
	}
	r.at = time.Now()
	if what == "counter" {
		if c.mode == byURL {
			c.link = r.Link
		}
		c.last = r
	}
	return r, nil
}

// sessionCookie is the JSESSIONID cookie a byCookie client would send.
func (c *client) sessionCookie() string {
	if c.http.Jar == nil {
		return ""
	}
	u := &url.URL{Scheme: "http", Host: lab.listenAddr, Path: c.app.path + "/counter"}
	for _, k := range c.http.Jar.Cookies(u) {
		if k.Name == "JSESSIONID" {
			return k.Value
		}
	}
	return ""
}
