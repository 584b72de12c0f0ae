package lbmethod

import (
	"slices"
	"testing"
)

// TestStick follows proxy_balancer_pre_request: on a sticky hit every
// usable member, whatever its lbset, standby flag, drain or fullness,
// gains its factor and the member hit loses their sum; unusable members
// are left alone. The same for every method.
func TestStick(t *testing.T) {
	for _, method := range testMethods {
		t.Run(method, func(t *testing.T) {
			ms := []*member{
				{factor: 100},
				{factor: 200, drain: true},
				{factor: 300, down: true},
				{factor: 400, lbset: 1, standby: true},
				{factor: 500, full: true},
			}
			vs := make([]Member, len(ms))
			for i := range ms {
				vs[i] = ms[i]
			}
			lb := mustNew(t, method)
			steps := []struct {
				hit  int
				want []int64
			}{
				// Usable: a, b, d, e; total 1200.
				{0, []int64{100 - 1200, 200, 0, 400, 500}},
				// A draining member still gets its sticky traffic.
				{1, []int64{-1000, 400 - 1200, 0, 800, 1000}},
				{3, []int64{-900, -600, 0, 0 /* 1200 - 1200 */, 1500}},
			}
			for _, s := range steps {
				lb.Stick(vs, s.hit)
				if got := lbstatus(lb, vs); !slices.Equal(got, s.want) {
					t.Fatalf("after a hit on %c lbstatus %v, want %v", name(s.hit), got, s.want)
				}
			}
			lb.Reset(vs)
			if got := lbstatus(lb, vs); !slices.Equal(got, make([]int64, len(vs))) {
				t.Fatalf("lbstatus after Reset %v, want all 0", got)
			}
		})
	}
}

// TestStickCountsInChoices: two sticky hits on a (1:1) put it two
// requests behind, so byrequests sends the next two to b.
func TestStickCountsInChoices(t *testing.T) {
	_, vs := group(1, 1)
	lb := mustNew(t, "byrequests")
	lb.Stick(vs, 0)
	lb.Stick(vs, 0)
	if got, want := lbstatus(lb, vs), []int64{-200, 200}; !slices.Equal(got, want) {
		t.Fatalf("lbstatus after two hits on a %v, want %v", got, want)
	}
	if got, want := picks(lb, vs, 6), "bbabab"; got != want {
		t.Fatalf("choices %s, want %s", got, want)
	}
}

// TestReset: after Reset the schedule starts over, and bybusyness keeps
// the in-flight counts (httpd zeroes busy too, but here Busy is a live
// count that finishing requests decrement, so zeroing it would drive it
// negative).
func TestReset(t *testing.T) {
	for _, method := range []string{"byrequests", "bybusyness"} {
		t.Run(method, func(t *testing.T) {
			ms, vs := group(70, 30)
			ms[0].sched.Busy.Store(3)
			ms[1].sched.Busy.Store(3)
			lb := mustNew(t, method)
			if got, want := picks(lb, vs, 4), "abaa"; got != want {
				t.Fatalf("choices %s, want %s", got, want)
			}
			lb.Reset(vs)
			if got := lbstatus(lb, vs); !slices.Equal(got, []int64{0, 0}) {
				t.Fatalf("lbstatus after Reset %v, want [0 0]", got)
			}
			if b := ms[0].sched.Busy.Load(); b != 3 {
				t.Fatalf("Busy after Reset %d, want 3", b)
			}
			if got, want := picks(lb, vs, 10), "abaaabaaba"; got != want {
				t.Fatalf("choices after Reset %s, want %s", got, want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, n := range Names() {
		m, err := New(n)
		if err != nil {
			t.Fatalf("New(%q): %v", n, err)
		}
		if m.Name() != n {
			t.Fatalf("New(%q).Name() = %q", n, m.Name())
		}
	}
	if m, err := New(""); err != nil || m.Name() != "byrequests" {
		t.Fatalf(`New("") = %v, %v; want byrequests`, m, err)
	}
	for _, n := range []string{"heartbeat", "ByRequests", "roundrobin"} {
		if _, err := New(n); err == nil {
			t.Fatalf("New(%q) succeeded, want an error", n)
		}
	}
	// Each call gives a balancer its own state.
	a, _ := New("byrequests")
	b, _ := New("byrequests")
	if a == b {
		t.Fatal("New returned the same value twice")
	}
}
