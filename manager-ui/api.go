package managerui

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"strings"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// The JSON API (DESIGN.md §4, extensions documented in README.md):
//
//	GET  {path}/api/balancers                          every balancer and member
//	GET  {path}/api/balancers/{b}                      one balancer
//	POST {path}/api/balancers/{b}                      change balancer fields (BalancerChange)
//	POST {path}/api/balancers/{b}/members              add a member (NewMember) → 201
//	GET  {path}/api/balancers/{b}/members/{route}      one member
//	POST {path}/api/balancers/{b}/members/{route}      change member fields (MemberChange)
//	GET  {path}/api/nonce                              a nonce for X-Balancer-Nonce
//
// {route} may also be the member's URL, path-escaped, for members without
// a route. Errors are {"error": "..."} with 400, 401, 403, 404, 405 or 415;
// a request for a Host that is not the manager's gets a plain 421 before
// any of this (hostGuard).
//
// The rule against cross-site requests: a POST whose Origin (or Referer)
// names another host is refused, always; its Content-Type must be
// application/json, which a browser cannot send cross-site without a CORS
// preflight that this API never grants; and it must carry either valid
// credentials (when manager.auth.users is configured) or, without users,
// the X-Balancer-Nonce header (from GET {path}/api/nonce, or the page's
// nonce together with the page's cookie).

// apiResponse is the body of GET {path}/api/balancers.
type apiResponse struct {
	Info      Info       `json:"info"`
	Balancers []Balancer `json:"balancers"`
}

// serveAPI routes {path}/api/….
func (m *Manager) serveAPI(ctx *fasthttp.RequestCtx) {
	who, ok := m.authenticate(ctx, true)
	if !ok {
		return
	}
	raw := string(ctx.URI().PathOriginal())
	raw, _, _ = strings.Cut(raw, "?")
	rest, found := strings.CutPrefix(raw, m.path+"/api/")
	if !found {
		// The path reached here decoded; route on the decoded form.
		rest = strings.TrimPrefix(string(ctx.Path()), m.path+"/api/")
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for i, s := range seg {
		u, err := url.PathUnescape(s)
		if err != nil {
			jsonError(ctx, fasthttp.StatusBadRequest, "malformed path segment "+s)
			return
		}
		seg[i] = u
	}
	post := ctx.IsPost()
	switch {
	case len(seg) == 1 && seg[0] == "nonce" && !post:
		writeJSON(ctx, fasthttp.StatusOK, map[string]string{"nonce": m.csrf.apiNonce(), "header": NonceHeader})
	case len(seg) == 1 && seg[0] == "balancers" && !post:
		bs := m.b.Balancers()
		for i := range bs {
			decorate(&bs[i])
		}
		writeJSON(ctx, fasthttp.StatusOK, apiResponse{Info: m.b.Info(), Balancers: bs})
	case len(seg) >= 2 && len(seg) <= 4 && seg[0] == "balancers" && (len(seg) < 3 || seg[2] == "members"):
		if post && !m.apiGuard(ctx, who) {
			return
		}
		m.serveBalancerAPI(ctx, who, seg[1:])
	default:
		jsonError(ctx, fasthttp.StatusNotFound, "no such API endpoint: "+raw)
	}
}

// serveBalancerAPI answers balancers/{b}[/members[/{route}]]; seg starts
// at {b}. POSTs have passed apiGuard.
func (m *Manager) serveBalancerAPI(ctx *fasthttp.RequestCtx, who principal, seg []string) {
	b, ok := findBalancer(m.b.Balancers(), seg[0])
	if !ok {
		jsonError(ctx, fasthttp.StatusNotFound, "no balancer named "+quote(seg[0]))
		return
	}
	post := ctx.IsPost()
	if !post && !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD, POST")
		jsonError(ctx, fasthttp.StatusMethodNotAllowed, "use GET to read and POST to change")
		return
	}
	switch len(seg) {
	case 1: // balancers/{b}
		if !post {
			decorate(&b)
			writeJSON(ctx, fasthttp.StatusOK, b)
			return
		}
		var ch BalancerChange
		if !decodeBody(ctx, &ch) {
			return
		}
		edits, err := balancerEdits(b, ch)
		if !m.applyAPI(ctx, who, edits, err) {
			return
		}
		b, _ = findBalancer(m.b.Balancers(), b.Name)
		decorate(&b)
		writeJSON(ctx, fasthttp.StatusOK, b)
	case 2: // balancers/{b}/members
		if !post {
			decorate(&b)
			writeJSON(ctx, fasthttp.StatusOK, b.Members)
			return
		}
		var nm NewMember
		if !decodeBody(ctx, &nm) {
			return
		}
		edits, err := addMemberEdits(b, nm)
		if !m.applyAPI(ctx, who, edits, err) {
			return
		}
		m.writeMember(ctx, fasthttp.StatusCreated, b.Name, strings.TrimSpace(nm.URL))
	case 3: // balancers/{b}/members/{route}
		mb, ok := findMember(b, seg[2])
		if !ok {
			jsonError(ctx, fasthttp.StatusNotFound, "balancer "+quote(b.Name)+" has no member with route or URL "+quote(seg[2]))
			return
		}
		if !post {
			decorateMember(&mb)
			writeJSON(ctx, fasthttp.StatusOK, mb)
			return
		}
		var ch MemberChange
		if !decodeBody(ctx, &ch) {
			return
		}
		edits, err := memberEdits(b, mb, ch)
		if !m.applyAPI(ctx, who, edits, err) {
			return
		}
		m.writeMember(ctx, fasthttp.StatusOK, b.Name, mb.URL)
	}
}

// apiGuard enforces the API's rule for POSTs (see the package's API
// comment); it answers and returns false when the request is refused.
func (m *Manager) apiGuard(ctx *fasthttp.RequestCtx, who principal) bool {
	if who.ReadOnly {
		jsonError(ctx, fasthttp.StatusForbidden, "read-only: edits are refused (manager.readonly or a read-only user)")
		return false
	}
	if why := foreignOrigin(ctx); why != "" {
		m.log.Warn("manager API request refused", "reason", why, "remote", ctx.RemoteIP().String())
		jsonError(ctx, fasthttp.StatusForbidden, why)
		return false
	}
	mt, _, err := mime.ParseMediaType(string(ctx.Request.Header.ContentType()))
	if err != nil || mt != "application/json" {
		jsonError(ctx, fasthttp.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	if m.auth == nil && !m.csrf.valid(viewerCookie(ctx), string(ctx.Request.Header.Peek(NonceHeader)), true) {
		jsonError(ctx, fasthttp.StatusForbidden, "missing or stale "+NonceHeader+" header: get one from GET "+m.path+"/api/nonce")
		return false
	}
	return true
}

// applyAPI applies edits (or reports err from building them); false means
// it answered with the error.
func (m *Manager) applyAPI(ctx *fasthttp.RequestCtx, who principal, edits []config.Edit, err error) bool {
	if err == nil && len(edits) == 0 {
		err = badForm("nothing to change: the body names no field")
	}
	if err == nil {
		err = m.apply(edits, who)
	}
	if err == nil {
		return true
	}
	status := fasthttp.StatusBadRequest
	var fe *formError
	if errors.As(err, &fe) {
		status = fe.status
	}
	jsonError(ctx, status, err.Error())
	return false
}

// writeMember answers with the current state of the member at url.
func (m *Manager) writeMember(ctx *fasthttp.RequestCtx, status int, balancer, url string) {
	b, _ := findBalancer(m.b.Balancers(), balancer)
	mb, ok := findMember(b, url)
	if !ok {
		jsonError(ctx, fasthttp.StatusNotFound, "member "+quote(url)+" is gone")
		return
	}
	decorateMember(&mb)
	writeJSON(ctx, status, mb)
}

// decodeBody decodes the JSON body strictly: unknown fields, trailing
// data and an empty body are 400.
func decodeBody(ctx *fasthttp.RequestCtx, v any) bool {
	body := ctx.PostBody()
	if len(bytes.TrimSpace(body)) == 0 {
		jsonError(ctx, fasthttp.StatusBadRequest, "empty body: send a JSON object with the fields to change")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonError(ctx, fasthttp.StatusBadRequest, "invalid JSON body: "+strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	if dec.More() {
		jsonError(ctx, fasthttp.StatusBadRequest, "invalid JSON body: data after the object")
		return false
	}
	return true
}

// decorate fills the fields the manager computes.
func decorate(b *Balancer) {
	for i := range b.Members {
		decorateMember(&b.Members[i])
	}
}

func decorateMember(mb *Member) {
	mb.SafeToStop = SafeToStop(*mb)
	if mb.Status == nil {
		mb.Status = []string{}
	}
}

// writeJSON answers v as indented JSON.
func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		jsonError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// jsonError answers {"error": msg}.
func jsonError(ctx *fasthttp.RequestCtx, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
