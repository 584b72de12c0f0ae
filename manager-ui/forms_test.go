package managerui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const (
	node1 = "http://127.0.0.1:8101"
	node2 = "http://127.0.0.1:8102"
	node3 = "http://127.0.0.1:8103"
)

// memberForm is the member edit form as the page sends it for node1 with
// its current values, changed by set.
func memberForm(set func(url.Values)) url.Values {
	v := url.Values{
		"action": {"member"}, "balancer": {"shop"}, "member": {node1},
		"loadfactor": {"1"}, "lbset": {"0"}, "route": {"node1"}, "redirect": {""},
	}
	set(v)
	return v
}

func balancerForm(set func(url.Values)) url.Values {
	v := url.Values{
		"action": {"balancer"}, "balancer": {"shop"}, "lbmethod": {"byrequests"},
		"stickysession": {"JSESSIONID|jsessionid"}, "timeout": {"0s"}, "maxattempts": {"2"},
	}
	set(v)
	return v
}

func TestForms(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		status int    // expected answer
		errMsg string // in the page on refusal
		edits  int    // successful Apply calls
		check  func(t *testing.T, b *testBackend)
	}{
		{"loadfactor", memberForm(func(v url.Values) { v.Set("loadfactor", "5.5") }), 303, "", 1,
			func(t *testing.T, b *testBackend) { eq(t, b.member(t, node1).LoadFactor, 5.5) }},
		{"lbset", memberForm(func(v url.Values) { v.Set("lbset", "3") }), 303, "", 1,
			func(t *testing.T, b *testBackend) { eq(t, b.member(t, node1).LBSet, 3) }},
		{"route", memberForm(func(v url.Values) { v.Set("route", "alpha") }), 303, "", 1,
			func(t *testing.T, b *testBackend) { eq(t, b.member(t, node1).Route, "alpha") }},
		{"redirect", memberForm(func(v url.Values) { v.Set("redirect", "node2") }), 303, "", 1,
			func(t *testing.T, b *testBackend) { eq(t, b.member(t, node1).Redirect, "node2") }},
		{"status flags", memberForm(func(v url.Values) { v["status"] = []string{"drain", "ignore-errors"} }), 303, "", 1,
			func(t *testing.T, b *testBackend) {
				eq(t, strings.Join(b.member(t, node1).Status, ","), "drain,ignore-errors")
			}},
		{"unchanged form applies nothing", memberForm(func(url.Values) {}), 303, "", 0, nil},
		{"loadfactor out of range", memberForm(func(v url.Values) { v.Set("loadfactor", "0") }), 400,
			"loadfactor: must be between 1 and 100", 0,
			func(t *testing.T, b *testBackend) { eq(t, b.member(t, node1).LoadFactor, 1.0) }},
		{"loadfactor not a number", memberForm(func(v url.Values) { v.Set("loadfactor", "lots") }), 400,
			"is not a number", 0, nil},
		{"redirect to nobody", memberForm(func(v url.Values) { v.Set("redirect", "node9") }), 400,
			"no member of this balancer has route", 0, nil},
		{"unknown status", memberForm(func(v url.Values) { v["status"] = []string{"sleepy"} }), 400,
			"unknown status", 0, nil},
		{"unknown member", memberForm(func(v url.Values) { v.Set("member", "http://10.9.9.9:1") }), 404,
			"has no member", 0, nil},
		{"unknown balancer", memberForm(func(v url.Values) { v.Set("balancer", "nope") }), 404,
			"there is no balancer", 0, nil},
		{"drain button", url.Values{"action": {"flag"}, "balancer": {"shop"}, "member": {node3}, "flag": {"drain"}, "on": {"1"}}, 303, "", 1,
			func(t *testing.T, b *testBackend) {
				eq(t, strings.Join(b.member(t, node3).Status, ","), "drain,hot-standby")
			}},
		{"undrain button keeps other flags", url.Values{"action": {"flag"}, "balancer": {"shop"}, "member": {node3}, "flag": {"hot-standby"}, "on": {"0"}}, 303, "", 1,
			func(t *testing.T, b *testBackend) { eq(t, len(b.member(t, node3).Status), 0) }},
		{"balancer lbmethod and nofailover", balancerForm(func(v url.Values) {
			v.Set("lbmethod", "bybusyness")
			v.Set("nofailover", "on")
		}), 303, "", 1, func(t *testing.T, b *testBackend) {
			eq(t, b.cfg.Balancers[0].LBMethod, "bybusyness")
			eq(t, b.cfg.Balancers[0].NoFailover, true)
		}},
		{"balancer timeout, maxattempts, stickysession", balancerForm(func(v url.Values) {
			v.Set("timeout", "5s")
			v.Set("maxattempts", "1")
			v.Set("stickysession", "SESSION")
		}), 303, "", 1, func(t *testing.T, b *testBackend) {
			bc := b.cfg.Balancers[0]
			eq(t, bc.Timeout.D().String(), "5s")
			eq(t, bc.Attempts(), 1)
			eq(t, bc.StickySession, "SESSION")
		}},
		{"balancer bad timeout", balancerForm(func(v url.Values) { v.Set("timeout", "soon") }), 400, "is not a duration", 0, nil},
		{"balancer unknown lbmethod", balancerForm(func(v url.Values) { v.Set("lbmethod", "random") }), 400, "unknown lbmethod", 0, nil},
		{"add member", url.Values{"action": {"add"}, "balancer": {"shop"}, "url": {"http://127.0.0.1:8104"}, "route": {"node4"},
			"loadfactor": {"3"}, "lbset": {"1"}, "status": {"disabled"}}, 303, "", 1,
			func(t *testing.T, b *testBackend) {
				m := b.member(t, "http://127.0.0.1:8104")
				eq(t, m.Route, "node4")
				eq(t, m.LoadFactor, 3.0)
				eq(t, m.LBSet, 1)
				eq(t, strings.Join(m.Status, ","), "disabled")
			}},
		{"add duplicate member", url.Values{"action": {"add"}, "balancer": {"shop"}, "url": {node2}}, 400, "exists", 0, nil},
		{"add member without URL", url.Values{"action": {"add"}, "balancer": {"shop"}}, 400, "needs a URL", 0, nil},
		{"unknown action", url.Values{"action": {"explode"}, "balancer": {"shop"}}, 400, "unknown form action", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newTestBackend(t)
			_, c := start(t, b, Options{})
			tc.form.Set("nonce", c.nonce())
			r := c.postForm(tc.form)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if tc.status == http.StatusSeeOther && !strings.HasPrefix(r.header.Get("Location"), DefaultPath+"?applied=") {
				t.Errorf("Location %q", r.header.Get("Location"))
			}
			if tc.errMsg != "" && !strings.Contains(r.body, tc.errMsg) {
				t.Errorf("page does not say %q:\n%s", tc.errMsg, r.body)
			}
			if got := b.edits(); got != tc.edits {
				t.Errorf("%d edits applied, want %d", got, tc.edits)
			}
			if tc.check != nil {
				tc.check(t, b)
			}
		})
	}
}

// The confirmation after the redirect says whether the edit is persisted.
func TestAppliedMessage(t *testing.T) {
	for _, persist := range []bool{false, true} {
		b := newTestBackend(t)
		b.info.Persist = persist
		_, c := start(t, b, Options{})
		r := c.postForm(memberForm(func(v url.Values) {
			v.Set("nonce", c.nonce())
			v.Set("loadfactor", "4")
		}))
		if r.status != http.StatusSeeOther {
			t.Fatalf("status %d", r.status)
		}
		page := c.get(r.header.Get("Location")).body
		want := "not saved (manager.persist is off)"
		if persist {
			want = "saved to the configuration file"
		}
		if !strings.Contains(page, "Change applied") || !strings.Contains(page, want) {
			t.Errorf("persist=%v: page lacks %q", persist, want)
		}
	}
}

func TestDemoButtons(t *testing.T) {
	tests := []struct {
		name    string
		demo    bool // Info.Demo
		control bool // Backend implements DemoControl
		buttons bool
		status  int
	}{
		{"demo", true, true, true, http.StatusSeeOther},
		{"not a demo", false, true, false, http.StatusNotFound},
		{"no control", true, false, false, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestBackend(t)
			tb.info.Demo = tc.demo
			d := &demoBackend{testBackend: tb}
			var b Backend = tb
			if tc.control {
				b = d
			}
			_, c := start(t, b, Options{})
			n := c.nonce()
			if got := strings.Contains(c.get(DefaultPath).body, "Stop node"); got != tc.buttons {
				t.Errorf("Stop node buttons shown: %v, want %v", got, tc.buttons)
			}
			r := c.postForm(url.Values{"nonce": {n}, "action": {"demo"}, "route": {"node2"}, "running": {"0"}})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if tc.buttons && !slices.Equal(d.calls, []string{"node2=false"}) {
				t.Errorf("calls %v", d.calls)
			}
			if !tc.buttons && len(d.calls) != 0 {
				t.Errorf("calls %v", d.calls)
			}
		})
	}
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
