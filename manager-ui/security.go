package managerui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"
)

// contentSecurityPolicy allows the page's own script, stylesheet and
// images and nothing else: no inline script or style, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders are set on every response of the manager listener,
// before any handler runs, so that error pages carry them too.
func securityHeaders(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
}

// The CSRF defence is a double-submit cookie signed by a per-process key:
// each viewer gets a random cookie, and the page's nonce is the HMAC of
// that cookie under the process key. A nonce is therefore worthless in
// another browser and after a restart, and the server keeps no table.
// Scripts without a cookie jar use the cookie-less API nonce (apiNonce).

const (
	// csrfCookie holds the viewer's random identifier.
	csrfCookie = "balancer_manager_csrf"
	// nonceField is the form field carrying the page's nonce.
	nonceField = "nonce"
	// NonceHeader carries the nonce on API requests.
	NonceHeader = "X-Balancer-Nonce"
)

// csrf signs viewer identifiers into nonces.
type csrf struct{ key []byte }

func newCSRF() (*csrf, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &csrf{key: key}, nil
}

// nonce is the token for the viewer identifier id.
func (c *csrf) nonce(id string) string {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("viewer\x00"))
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// apiNonce is the cookie-less token handed out by GET {path}/api/nonce.
func (c *csrf) apiNonce() string {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("api"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// valid reports whether got is the nonce of viewer id (id may be empty),
// or, when api is set, the API nonce. Comparisons are constant-time.
func (c *csrf) valid(id, got string, api bool) bool {
	if got == "" {
		return false
	}
	if id != "" && hmac.Equal([]byte(got), []byte(c.nonce(id))) {
		return true
	}
	return api && hmac.Equal([]byte(got), []byte(c.apiNonce()))
}

// viewer returns the viewer's identifier from the cookie, issuing a new
// cookie when there is none (or a malformed one).
func (m *Manager) viewer(ctx *fasthttp.RequestCtx) string {
	if id := viewerCookie(ctx); id != "" {
		return id
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey(csrfCookie)
	c.SetValue(id)
	c.SetPath(m.pagePath())
	c.SetHTTPOnly(true)
	c.SetSameSite(fasthttp.CookieSameSiteStrictMode)
	c.SetSecure(ctx.IsTLS())
	ctx.Response.Header.SetCookie(c)
	return id
}

// viewerCookie returns the well-formed viewer identifier the request
// carries, or "".
func viewerCookie(ctx *fasthttp.RequestCtx) string {
	id := string(ctx.Request.Header.Cookie(csrfCookie))
	if len(id) != 24 {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(id); err != nil {
		return ""
	}
	return id
}

// foreignOrigin reports why a state-changing request comes from another
// site: an Origin or Referer whose host differs from the Host the request
// was sent to (httpd checks the Referer host the same way), or a browser's
// Sec-Fetch-Site saying cross-site. Absent headers are not proof of
// anything and pass; the nonce or credentials still decide.
func foreignOrigin(ctx *fasthttp.RequestCtx) string {
	host := strings.ToLower(string(ctx.Host()))
	if o := string(ctx.Request.Header.Peek("Origin")); o != "" {
		if o == "null" || !sameHost(o, host) {
			return "the request comes from another site (Origin " + o + ")"
		}
	}
	if r := string(ctx.Request.Header.Referer()); r != "" && !sameHost(r, host) {
		return "the request comes from another site (Referer)"
	}
	if string(ctx.Request.Header.Peek("Sec-Fetch-Site")) == "cross-site" {
		return "the request comes from another site (Sec-Fetch-Site: cross-site)"
	}
	return ""
}

// sameHost reports whether the URL u names host (host:port, case-insensitive).
func sameHost(u, host string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	return strings.EqualFold(p.Host, host)
}
