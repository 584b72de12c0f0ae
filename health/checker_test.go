package health

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestTransitionsStepped drives riseCases against a real member whose
// health URI answers 200 or 503, one CheckOnce round per result.
func TestTransitionsStepped(t *testing.T) {
	t.Parallel()
	for _, tc := range riseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := testutil.StartMember(t, "n1")
			rep := &recorder{}
			c := New(rep)
			spec := Spec{URI: "/health", Interval: time.Hour, Timeout: time.Second, Fails: tc.fails, Passes: tc.passes}
			if err := c.Update([]Target{{Key: "b/n1", URL: m.URL, Spec: spec}}); err != nil {
				t.Fatal(err)
			}
			var want []bool
			for i, r := range []byte(tc.results) {
				code := int64(200)
				if r == '-' {
					code = 503
				}
				m.Status.Store(code)
				res, ok := c.CheckOnce(context.Background(), "b/n1")
				if !ok || res.OK != (r == '+') || res.Status != int(code) {
					t.Fatalf("round %d: got %+v", i, res)
				}
				switch tc.want[i] {
				case 'D':
					want = append(want, false)
				case 'U':
					want = append(want, true)
				}
				if got := rep.of("b/n1"); !slices.Equal(got, want) {
					t.Fatalf("after round %d (%s): transitions %v, want %v", i, tc.results[:i+1], got, want)
				}
				st, _ := c.Status("b/n1")
				if st.Checks != int64(i+1) || st.Last != res {
					t.Fatalf("round %d: status %+v", i, st)
				}
			}
			if n := rep.recorded("b/n1") + len(want); n != len(tc.results) {
				t.Errorf("%d results recorded or reported, want %d", n, len(tc.results))
			}
		})
	}
}

// TestLoopFailsAndRecovers runs the real loop: the member turns 503, is
// reported failed once, turns 200, is reported healthy once, and further
// checks report nothing more.
func TestLoopFailsAndRecovers(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	rep := &recorder{}
	c := New(rep)
	const key = "b/n1"
	spec := Spec{URI: "/health", Interval: 20 * time.Millisecond, Timeout: time.Second, Fails: 2, Passes: 3}
	if err := c.Update([]Target{{Key: key, URL: m.URL, Spec: spec}}); err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	defer c.Stop()

	testutil.Eventually(t, "first checks", func() bool { return checks(c, key) >= 2 })
	if got := rep.of(key); len(got) != 0 {
		t.Fatalf("a passing member was reported: %v", got)
	}
	m.Status.Store(503)
	testutil.Eventually(t, "failure", func() bool { return len(rep.of(key)) == 1 })
	st, _ := c.Status(key)
	if st.Healthy || st.Last.Status != 503 || st.Changed.IsZero() {
		t.Fatalf("status after failing: %+v", st)
	}
	n := checks(c, key)
	testutil.Eventually(t, "more failed checks", func() bool { return checks(c, key) >= n+3 })

	m.Status.Store(200)
	testutil.Eventually(t, "recovery", func() bool { return len(rep.of(key)) == 2 })
	n = checks(c, key)
	testutil.Eventually(t, "more passing checks", func() bool { return checks(c, key) >= n+3 })
	if got := rep.of(key); !slices.Equal(got, []bool{false, true}) {
		t.Fatalf("transitions %v, want [false true]", got)
	}
	if rep.recorded(key) == 0 {
		t.Error("the Recorder got no results")
	}
}

// TestHungMemberDoesNotDelayOthers: a member that accepts and never
// answers holds its own check only; the other member is checked on its
// interval meanwhile, and Stop cuts the hung check short.
func TestHungMemberDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	good := testutil.StartMember(t, "good")
	hung := rawServer(t, hang)
	rep := &recorder{}
	c := New(rep)
	spec := Spec{Interval: 10 * time.Millisecond, Timeout: time.Minute}
	err := c.Update([]Target{
		{Key: "b/hung", URL: hung, Spec: spec},
		{Key: "b/good", URL: good.URL, Spec: spec},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	testutil.Eventually(t, "good member checks", func() bool { return checks(c, "b/good") >= 10 })
	if n := checks(c, "b/hung"); n != 0 {
		t.Fatalf("hung member has %d results", n)
	}
	stopped := make(chan struct{})
	go func() { c.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop waited for a hung check")
	}
	if n := checks(c, "b/hung"); n != 0 {
		t.Errorf("the interrupted check was counted: %d results", n)
	}
	if got := rep.of("b/good"); len(got) != 0 {
		t.Errorf("good member reported %v", got)
	}
}

func TestUpdateKeepsState(t *testing.T) {
	t.Parallel()
	a := testutil.StartMember(t, "a")
	b := testutil.StartMember(t, "b")
	rep := &recorder{}
	c := New(rep)
	spec := Spec{URI: "/health", Interval: time.Hour, Timeout: time.Second, Fails: 3, Passes: 1}
	step := func(key string) {
		t.Helper()
		if _, ok := c.CheckOnce(context.Background(), key); !ok {
			t.Fatalf("%s is not a target", key)
		}
	}
	if err := c.Update([]Target{{Key: "b/a", URL: a.URL, Spec: spec}}); err != nil {
		t.Fatal(err)
	}
	a.Status.Store(503)
	step("b/a")
	step("b/a")

	// Invalid sets change nothing.
	for _, bad := range [][]Target{
		{{Key: "b/a", URL: a.URL, Spec: spec}, {Key: "b/a", URL: b.URL, Spec: spec}},
		{{Key: "b/a", URL: a.URL, Spec: spec}, {Key: "b/b", URL: "ftp://x", Spec: spec}},
	} {
		if err := c.Update(bad); err == nil {
			t.Fatalf("Update(%v) accepted", bad)
		}
	}
	if _, ok := c.Status("b/b"); ok {
		t.Fatal("a rejected Update added a target")
	}

	spec2 := spec
	spec2.URI = "/other"
	spec2.Interval = 2 * time.Hour
	if err := c.Update([]Target{{Key: "b/a", URL: a.URL, Spec: spec2}, {Key: "b/b", URL: b.URL, Spec: spec}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status("b/a"); st.Fails != 2 || !st.Healthy || st.Checks != 2 {
		t.Fatalf("state lost on Update: %+v", st)
	}
	if st, ok := c.Status("b/b"); !ok || !st.Healthy || st.Checks != 0 {
		t.Fatalf("new target: %+v %v", st, ok)
	}
	a.Reset()
	step("b/a")
	if got := rep.of("b/a"); !slices.Equal(got, []bool{false}) {
		t.Fatalf("third consecutive failure across Update: transitions %v", got)
	}
	if seen := a.Seen(); len(seen) != 1 || seen[0].URI != "/other" {
		t.Errorf("after Update the member saw %+v, want the new URI", seen)
	}

	// Dropping a failed target releases it; a healthy one is just dropped.
	if err := c.Update([]Target{{Key: "b/a", URL: a.URL, Spec: spec}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(nil); err != nil {
		t.Fatal(err)
	}
	if got := rep.of("b/a"); !slices.Equal(got, []bool{false, true}) {
		t.Fatalf("removing a failed target: transitions %v, want [false true]", got)
	}
	if got := rep.of("b/b"); len(got) != 0 {
		t.Fatalf("removing a healthy target reported %v", got)
	}
	if _, ok := c.CheckOnce(context.Background(), "b/a"); ok {
		t.Fatal("CheckOnce on a removed target")
	}
}

// TestStopLeavesNoGoroutines starts loops (one stuck in a hung check),
// updates the set while running, stops, and finds none of the Checker's
// goroutines left. It is not parallel: it counts goroutines process-wide.
func TestStopLeavesNoGoroutines(t *testing.T) {
	members := []string{rawServer(t, hang)}
	for _, r := range []string{"a", "b", "c"} {
		members = append(members, testutil.StartMember(t, r).URL)
	}
	targets := func(urls []string, method string) []Target {
		var out []Target
		for _, u := range urls {
			out = append(out, Target{Key: "b/" + u, URL: u, Spec: Spec{Method: method, Interval: 5 * time.Millisecond, Timeout: time.Minute}})
		}
		return out
	}
	before := runtime.NumGoroutine()
	c := New(&recorder{})
	if err := c.Update(targets(members, "GET")); err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	c.Start(context.Background()) // no second set of loops
	testutil.Eventually(t, "checks", func() bool { return checks(c, "b/"+members[3]) >= 3 })
	if n := healthGoroutines(); n != len(members) {
		t.Fatalf("%d loops running, want %d", n, len(members))
	}
	// Removing targets ends their loops; changing the method keeps them.
	if err := c.Update(targets(members[:2], "TCP")); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "removed loops to end", func() bool { return healthGoroutines() == 2 })

	c.Stop()
	c.Stop()
	// Stop returns after each loop's deferred Done; the goroutine itself
	// may need a moment more to return.
	var stacks string
	func() {
		defer func() {
			if t.Failed() {
				t.Logf("Checker goroutines left after Stop:\n%s", stacks)
			}
		}()
		testutil.Eventually(t, "no Checker goroutine left after Stop", func() bool {
			var n int
			n, stacks = healthStacks()
			return n == 0
		})
	}()
	if err := c.Update(targets(members, "GET")); err != nil {
		t.Fatal(err)
	}
	if n := healthGoroutines(); n != 0 {
		t.Fatalf("Update after Stop started %d goroutines", n)
	}
	// The whole process, member connections included, settles back.
	testutil.Eventually(t, "goroutines to settle", func() bool { return runtime.NumGoroutine() <= before+2 })
}

// TestStartContext: cancelling Start's context ends the loops too.
func TestStartContext(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	c := New(&recorder{})
	if err := c.Update([]Target{{Key: "k", URL: m.URL, Spec: Spec{Interval: 5 * time.Millisecond}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	testutil.Eventually(t, "a check", func() bool { return checks(c, "k") >= 1 })
	cancel()
	done := make(chan struct{})
	go func() { c.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("loops outlived their context")
	}
}

// panicky is a Reporter whose first SetHealthy call panics.
type panicky struct {
	recorder
	calls atomic.Int64
}

func (p *panicky) SetHealthy(key string, healthy bool, last Result) {
	if p.calls.Add(1) == 1 {
		panic("reporter bug")
	}
	p.recorder.SetHealthy(key, healthy, last)
}

// TestLoopSurvivesPanic: a panicking Expect and Reporter are logged and
// the loop goes on checking.
func TestLoopSurvivesPanic(t *testing.T) {
	t.Parallel()
	m := testutil.StartMember(t, "n1")
	rep := &panicky{}
	c := New(rep, WithLogger(quiet))
	var calls atomic.Int64
	expect := func(status int) bool {
		if calls.Add(1) == 2 {
			panic("expect bug")
		}
		return false
	}
	spec := Spec{Interval: 5 * time.Millisecond, Timeout: time.Second, Expect: expect, Passes: 1, Fails: 1}
	if err := c.Update([]Target{{Key: "k", URL: m.URL, Spec: spec}}); err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	defer c.Stop()
	testutil.Eventually(t, "checks after the panics", func() bool { return calls.Load() >= 5 })
	// The failed check whose report panicked was still counted: the member
	// is failed and is not reported failed a second time.
	st, _ := c.Status("k")
	if st.Healthy || st.Last.OK || !strings.HasPrefix(st.Last.Err, "unexpected status") {
		t.Fatalf("status %+v", st)
	}
	if got := rep.of("k"); len(got) != 0 {
		t.Fatalf("transitions %v after the panicking one", got)
	}
}
