package managerui

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// formError is an edit refused before it reached the Backend; its text is
// meant for the operator.
type formError struct {
	status int
	msg    string
}

func (e *formError) Error() string { return e.msg }

func badForm(format string, a ...any) error {
	return &formError{fasthttp.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &formError{fasthttp.StatusNotFound, fmt.Sprintf(format, a...)}
}

// serveForm handles POST {path}: one form of the page, guarded by the
// viewer's nonce. Success answers 303 to the page (so a reload does not
// post again); a refused edit renders the page with the reason.
func (m *Manager) serveForm(ctx *fasthttp.RequestCtx, who principal) {
	if who.ReadOnly {
		m.plainError(ctx, fasthttp.StatusForbidden, "Read-only",
			"This balancer-manager is read-only for you: nothing was changed.")
		return
	}
	if why := foreignOrigin(ctx); why != "" {
		m.log.Warn("manager form refused", "reason", why, "remote", ctx.RemoteIP().String())
		m.plainError(ctx, fasthttp.StatusForbidden, "Refused",
			"Nothing was changed: "+why+". Edits are accepted only from the balancer-manager page itself.")
		return
	}
	if !bytes.HasPrefix(ctx.Request.Header.ContentType(), []byte("application/x-www-form-urlencoded")) {
		m.plainError(ctx, fasthttp.StatusUnsupportedMediaType, "Unsupported form encoding",
			"Nothing was changed: the page's forms are sent as application/x-www-form-urlencoded.")
		return
	}
	args := ctx.PostArgs()
	if !m.csrf.valid(viewerCookie(ctx), string(args.Peek(nonceField)), false) {
		m.plainError(ctx, fasthttp.StatusForbidden, "Page out of date",
			"Nothing was changed: the form's security token (nonce) is missing or out of date — "+
				"the page may be older than the running balancer, or was opened in another browser. "+
				"Reload the page and try again.")
		return
	}
	kind, err := m.formEdit(args, who)
	if err != nil {
		status := fasthttp.StatusBadRequest
		var fe *formError
		if errors.As(err, &fe) {
			status = fe.status
		}
		m.renderPage(ctx, who, status, "", err.Error())
		return
	}
	// A relative Location: the manager may sit behind a proxy that knows
	// its public name better than the Host header does.
	ctx.Response.Header.Set("Location", m.pagePath()+"?applied="+kind)
	ctx.SetStatusCode(fasthttp.StatusSeeOther)
}

// formEdit performs the form's action; kind names the confirmation.
func (m *Manager) formEdit(args *fasthttp.Args, who principal) (kind string, err error) {
	get := formValue(args)
	action := get("action")
	if action == "demo" {
		return m.demoAction(get("route"), get("running"))
	}
	b, ok := findBalancer(m.b.Balancers(), get("balancer"))
	if !ok {
		return "", notFound("there is no balancer %q", get("balancer"))
	}
	var edits []config.Edit
	switch action {
	case "member", "flag":
		mb, ok := findMember(b, get("member"))
		if !ok {
			return "", notFound("balancer %s has no member %q", b.Name, get("member"))
		}
		if action == "flag" {
			edits, err = flagEdit(b, mb, get("flag"), get("on") == "1")
		} else {
			edits, err = memberFormEdits(b, mb, args)
		}
	case "balancer":
		edits, err = balancerFormEdits(b, args)
	case "add":
		var nm NewMember
		nm, err = newMemberForm(args)
		if err == nil {
			edits, err = addMemberEdits(b, nm)
		}
	default:
		return "", badForm("unknown form action %q", action)
	}
	if err != nil {
		return "", err
	}
	if len(edits) == 0 {
		return "nothing", nil
	}
	if err := m.apply(edits, who); err != nil {
		return "", err
	}
	return "edit", nil
}

// apply hands edits to the Backend, logging who asked.
func (m *Manager) apply(edits []config.Edit, who principal) error {
	if err := m.b.Apply(edits); err != nil {
		return err
	}
	m.log.Info("manager edit", "user", who.Name, "edits", len(edits))
	return nil
}

// memberFormEdits turns the member form into edits of the fields that
// differ from the member's current values, so a form left open while
// someone else edited another field does not undo their change.
func memberFormEdits(b Balancer, mb Member, args *fasthttp.Args) ([]config.Edit, error) {
	get := formValue(args)
	var ch MemberChange
	if s := get("loadfactor"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, badForm("load factor %q is not a number", s)
		}
		if f != mb.LoadFactor {
			ch.LoadFactor = &f
		}
	}
	if s := get("lbset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, badForm("LB set %q is not a whole number", s)
		}
		if n != mb.LBSet {
			ch.LBSet = &n
		}
	}
	if s := get("route"); s != mb.Route {
		ch.Route = &s
	}
	if s := get("redirect"); s != mb.Redirect {
		ch.Redirect = &s
	}
	var status []string
	for _, v := range args.PeekMulti("status") {
		status = append(status, string(v))
	}
	if !sameFlags(status, adminOnly(mb.Status)) {
		ch.Status = &status
	}
	return memberEdits(b, mb, ch)
}

// flagEdit sets or clears one admin flag, keeping the others.
func flagEdit(b Balancer, mb Member, flag string, on bool) ([]config.Edit, error) {
	if !slices.Contains(adminFlags, flag) {
		return nil, badForm("unknown status %q (want one of %s)", flag, strings.Join(adminFlags, ", "))
	}
	cur := adminOnly(mb.Status)
	next := slices.DeleteFunc(slices.Clone(cur), func(s string) bool { return s == flag })
	if on {
		next = append(next, flag)
	}
	if sameFlags(next, cur) {
		return nil, nil
	}
	return memberEdits(b, mb, MemberChange{Status: &next})
}

// balancerFormEdits turns the balancer form into edits of changed fields.
func balancerFormEdits(b Balancer, args *fasthttp.Args) ([]config.Edit, error) {
	get := formValue(args)
	var ch BalancerChange
	if s := get("lbmethod"); s != "" && s != b.LBMethod {
		ch.LBMethod = &s
	}
	if s := get("stickysession"); s != b.StickySession {
		ch.StickySession = &s
	}
	if nf := get("nofailover") != ""; nf != b.NoFailover {
		ch.NoFailover = &nf
	}
	if s := get("timeout"); s != "" && s != b.Timeout {
		ch.Timeout = &s
	}
	if s := get("maxattempts"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, badForm("max attempts %q is not a whole number", s)
		}
		if n != b.MaxAttempts {
			ch.MaxAttempts = &n
		}
	}
	return balancerEdits(b, ch)
}

// newMemberForm reads the add-member form.
func newMemberForm(args *fasthttp.Args) (NewMember, error) {
	get := formValue(args)
	nm := NewMember{URL: get("url"), Route: get("route"), Redirect: get("redirect")}
	if s := get("loadfactor"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nm, badForm("load factor %q is not a number", s)
		}
		nm.LoadFactor = f
	}
	if s := get("lbset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nm, badForm("LB set %q is not a whole number", s)
		}
		nm.LBSet = n
	}
	for _, v := range args.PeekMulti("status") {
		nm.Status = append(nm.Status, string(v))
	}
	return nm, nil
}

// demoAction stops or starts a demo app node.
func (m *Manager) demoAction(route, running string) (string, error) {
	if m.demo == nil || !m.b.Info().Demo {
		return "", &formError{fasthttp.StatusNotFound, "this balancer is not running the demo"}
	}
	if running != "0" && running != "1" {
		return "", badForm("running must be 0 or 1")
	}
	if err := m.demo.SetNodeRunning(route, running == "1"); err != nil {
		return "", err
	}
	if running == "1" {
		return "started", nil
	}
	return "stopped", nil
}

// formValue reads trimmed form fields.
func formValue(args *fasthttp.Args) func(key string) string {
	return func(key string) string { return strings.TrimSpace(string(args.Peek(key))) }
}

// findBalancer finds a balancer by name.
func findBalancer(bs []Balancer, name string) (Balancer, bool) {
	for _, b := range bs {
		if b.Name == name {
			return b, true
		}
	}
	return Balancer{}, false
}

// findMember finds a member by URL, or else by route.
func findMember(b Balancer, key string) (Member, bool) {
	for _, mb := range b.Members {
		if mb.URL == key {
			return mb, true
		}
	}
	for _, mb := range b.Members {
		if mb.Route != "" && mb.Route == key {
			return mb, true
		}
	}
	return Member{}, false
}

// adminOnly keeps the flags an operator sets, dropping runtime state
// (error, health-failed).
func adminOnly(status []string) []string {
	out := []string{}
	for _, s := range status {
		if slices.Contains(adminFlags, s) {
			out = append(out, s)
		}
	}
	return out
}

// sameFlags compares flag lists as sets.
func sameFlags(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
