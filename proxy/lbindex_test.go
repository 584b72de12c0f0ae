package proxy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/health"
	"balancer/lbmethod"
)

// shadow is a member as the reference byrequests sees it: the runtime's
// own Usable, Eligible and Factor, read on every choice, with an lbstatus
// of its own.
type shadow struct {
	*Member
	sched lbmethod.Sched
}

func (s *shadow) Sched() *lbmethod.Sched { return &s.sched }

// indexWorld drives a proxy's balancer and a reference (the O(n)
// lbmethod.ByRequests, which asks every member on every choice) through
// the same events and compares their choices and lbstatus.
type indexWorld struct {
	t       *testing.T
	p       *Proxy
	clock   *testClock
	ref     lbmethod.Method
	shadows map[string]*shadow // by URL, across snapshots
	views   []lbmethod.Member  // the reference's slice
	step    string
	n       int // choices compared
}

func (w *indexWorld) bal() *Balancer { return w.p.Snapshot().Balancer("c") }

// bind points the reference at the current snapshot's members.
func (w *indexWorld) bind() {
	b := w.bal()
	w.views = w.views[:0]
	for _, m := range b.members {
		s := w.shadows[m.URL]
		if s == nil {
			s = &shadow{}
			w.shadows[m.URL] = s
		}
		s.Member = m
		w.views = append(w.views, s)
	}
}

func (w *indexWorld) member(i int) *Member { return w.bal().members[i] }

// compare makes k choices, a sticky hit and a retry's choice on both and
// checks that they agree, then that every lbstatus does.
func (w *indexWorld) compare(k int) {
	w.t.Helper()
	b := w.bal()
	// Requests in flight and bytes are the member's own: the reference
	// sees the same.
	for _, v := range w.views {
		s := v.(*shadow)
		s.sched.Busy.Store(s.st.sched.Busy.Load())
		s.sched.Transferred.Store(s.st.sched.Transferred.Load())
		s.sched.Read.Store(s.st.sched.Read.Load())
	}
	for c := range k {
		got, want := b.method.Choose(b.views), w.ref.Choose(w.views)
		if got != want {
			w.t.Fatalf("%s: choice %d: runtime chose %d, reference %d", w.step, c, got, want)
		}
		w.n++
	}
	hit := w.n % len(b.views)
	b.method.Stick(b.views, hit)
	w.ref.Stick(w.views, hit)
	got := b.method.ChooseExcept(b.views, []*lbmethod.Sched{b.views[hit].Sched()})
	want := w.ref.ChooseExcept(w.views, []*lbmethod.Sched{w.views[hit].Sched()})
	if got != want {
		w.t.Fatalf("%s: retry without %d: runtime chose %d, reference %d", w.step, hit, got, want)
	}
	for i := range b.views {
		if got, want := b.method.LBStatus(b.views, i), w.ref.LBStatus(w.views, i); got != want {
			w.t.Fatalf("%s: member %d: lbstatus %d, reference %d", w.step, i, got, want)
		}
	}
}

// lf3 is member a's weight as first configured.
const lf3 = "        loadfactor: 3\n"

const indexYAML = `
balancers:
  - name: c
    lbmethod: %s
    forcerecovery: %v
    members:
      - url: http://127.0.0.1:1
%s      - url: http://127.0.0.1:2
        loadfactor: 2
        retry: 5s
        slowstart: 10s
      - url: http://127.0.0.1:3
        loadfactor: 1
        max: 2
      - url: http://127.0.0.1:4
        loadfactor: 1
        lbset: 1
      - url: http://127.0.0.1:5
        loadfactor: 2
        status: [hot-standby]
routes:
  - path: /
    balancer: c
`

// TestIndexFollowsEveryChange checks that the runtime reports every change
// of a member's eligibility to the lbmethods' index: after each event (an
// error, its retry time running out, success, each slow-start step, a
// health check failing and passing, a member filling up and freeing a
// slot, forced recovery, edits that drain and disable members and change
// weights) each indexed lbmethod makes the same choices and holds the
// same lbstatus as its reference, which reads every member on every
// choice. Without a report at one of these places, it fails.
func TestIndexFollowsEveryChange(t *testing.T) {
	for _, method := range lbmethod.Names() {
		t.Run(method, func(t *testing.T) { testIndexFollows(t, method) })
	}
}

func testIndexFollows(t *testing.T, method string) {
	clock := newTestClock()
	cfg, err := config.Parse("test.yaml", []byte(fmt.Sprintf(indexYAML, method, true, lf3)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg, Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := lbmethod.New(method)
	w := &indexWorld{t: t, p: p, clock: clock, ref: ref, shadows: map[string]*shadow{}}
	w.bind()
	switch w.bal().method.(type) {
	case *lbmethod.IndexedByRequests, *lbmethod.IndexedByTraffic, *lbmethod.IndexedByBusyness:
	default:
		t.Fatalf("the runtime's %s is %T, want the index", method, w.bal().method)
	}
	key := func(i int) string { return memberKey("c", w.member(i).URL) }
	apply := func(forceRecovery bool, extra string) {
		cfg, err := config.Parse("test.yaml", []byte(fmt.Sprintf(indexYAML, method, forceRecovery, extra)))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(cfg); err != nil {
			t.Fatal(err)
		}
		w.bind()
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"start", func() {}},
		{"b in error", func() { w.member(1).st.markError(w.member(1).retry, "test") }},
		{"half its retry time", func() { clock.Advance(2500 * time.Millisecond) }},
		{"retry time runs out", func() { clock.Advance(2500 * time.Millisecond) }},
		{"b answers: slow start", func() { w.member(1).st.clearError() }},
		{"c fills up", func() {
			m := w.member(2)
			for range m.max {
				if !m.st.acquire(m.max, 0, 0) {
					t.Fatal("no slot")
				}
			}
		}},
		{"c frees a slot", func() { w.member(2).st.requestDone() }},
		{"bytes flow to a and from c, unreported", func() {
			w.member(0).st.sched.Transferred.Add(5000)
			w.member(2).st.sched.Read.Add(300)
		}},
		{"c fills up again", func() { w.member(2).st.acquire(w.member(2).max, 0, 0) }},
		{"c frees both", func() { w.member(2).st.requestDone(); w.member(2).st.requestDone() }},
		{"a fails its health check", func() { p.SetHealthy(key(0), false, health.Result{}) }},
		{"a passes again", func() { p.SetHealthy(key(0), true, health.Result{}) }},
		{"every member of lbset 0 in error", func() {
			for i := range 3 {
				w.member(i).st.markError(time.Minute, "test")
			}
		}},
		{"lbset 0's hot standby serves", func() {}},
		{"then lbset 1", func() { w.member(4).st.markError(time.Minute, "test") }},
		{"forced recovery", func() {
			// With every member in error, choose clears the errors, as
			// httpd's force_recovery, and chooses again.
			w.member(3).st.markError(time.Minute, "test")
			if i := w.ref.Choose(w.views); i != -1 {
				t.Fatalf("the reference chose %d with every member in error", i)
			}
			got := w.bal().choose(nil)
			if want := w.ref.Choose(w.views); got == nil || got.idx != want {
				t.Fatalf("forced recovery chose %v, reference %d", got, want)
			}
		}},
		{"edit: a drains", func() { apply(true, lf3+"        status: [drain]\n") }},
		{"edit: a disabled", func() { apply(true, lf3+"        status: [disabled]\n") }},
		{"edit: a back, weight 5", func() { apply(true, "        loadfactor: 5\n") }},
		{"b in error again, no forced recovery", func() {
			apply(false, lf3)
			w.member(1).st.markError(w.member(1).retry, "test")
		}},
		{"retry time runs out again", func() { clock.Advance(6 * time.Second) }},
	}
	for _, s := range steps {
		w.step = s.name
		s.do()
		w.compare(40)
		if strings.Contains(s.name, "slow start") {
			// Each step of the ramp, and moments between steps.
			for range 60 {
				clock.Advance(10 * time.Second / 47)
				w.compare(7)
			}
		}
	}
	t.Logf("%d choices compared", w.n)
}

// TestSlowStep checks Member.Until's slow-start steps against Factor: the
// factor never changes before the step it announces, and does change at
// it (or reaches lbfactor at the end of slowstart).
func TestSlowStep(t *testing.T) {
	for _, lf := range []int64{1, 7, 10, 100, 300, 10000} {
		for _, slow := range []time.Duration{time.Nanosecond, 7 * time.Nanosecond, time.Microsecond, 10 * time.Second} {
			clock := newTestClock()
			m := &Member{lbfactor: lf, slow: slow, st: &memberState{now: clock.Now}}
			rec := clock.Now().UnixNano()
			m.st.recoveredAt.Store(rec)
			steps := 0
			for now := rec; ; {
				clock.now = time.Unix(0, now)
				f := m.Factor()
				next := m.Until(now)
				if next == 0 {
					if f != lf {
						t.Fatalf("lbfactor %d, slowstart %v: no step announced at factor %d", lf, slow, f)
					}
					break
				}
				if next <= now {
					t.Fatalf("lbfactor %d, slowstart %v: step at %d, not after %d", lf, slow, next, now)
				}
				// The factor holds until the step: check its last moment.
				clock.now = time.Unix(0, next-1)
				if g := m.Factor(); g != f {
					t.Fatalf("lbfactor %d, slowstart %v: factor %d became %d before the step at +%d", lf, slow, f, g, next-rec)
				}
				now = next
				steps++
			}
			if steps > int(lf) {
				t.Fatalf("lbfactor %d, slowstart %v: %d steps, more than the factor's range", lf, slow, steps)
			}
		}
	}
}
