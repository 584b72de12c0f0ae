package lbmethod

import (
	"slices"
	"testing"
)

// step changes members, then makes len(want) choices.
type step struct {
	set  func(ms []*member) // nil: no change
	want string             // the choices, one letter per member
}

func TestByRequestsSequence(t *testing.T) {
	down := func(i int, v bool) func([]*member) { return func(ms []*member) { ms[i].down = v } }
	tests := []struct {
		name  string
		lf    []int64 // loadfactors (× 100 = factor)
		steps []step
	}{
		// Worked by hand from lbstatus += factor, winner -= total:
		// (7000,3000) a → (-3000,3000); (4000,6000) b → (4000,-4000); ...
		// back to (0,0) after ten choices.
		{"70/30 repeats every 10", []int64{70, 30}, []step{
			{nil, "abaaabaaba"},
			{nil, "abaaabaaba"},
		}},
		// (300,100,100) a; (100,200,200) b; (400,-200,300) a;
		// (200,-100,400) c; (500,0,0) a → (0,0,0).
		{"3:1:1", []int64{3, 1, 1}, []step{
			{nil, "abacaabaca"},
		}},
		// (100,100,100,200) d; (200,200,200,-100) a; (-200,300,300,100) b;
		// (-100,-100,400,300) c; (0,0,0,500) d → all 0.
		{"1:1:1:2", []int64{1, 1, 1, 2}, []step{
			{nil, "dabcddabcd"},
		}},
		// The schedule in mod_lbmethod_byrequests.c's comment.
		{"25:25:25:25 with b disabled", []int64{25, 25, 25, 25}, []step{
			{down(1, true), "acdacdacd"},
		}},
		// a is chosen once (a=-3000, b=3000); b is then disabled and
		// keeps its lbstatus, a alone takes everything; when b is back
		// the 70/30 schedule resumes at its third choice, as httpd does
		// not reset lbstatus on recovery.
		{"member leaves and returns", []int64{70, 30}, []step{
			{nil, "a"},
			{down(1, true), "aaa"},
			{down(1, false), "baaabaaba"},
		}},
		{"no usable member", []int64{1, 1}, []step{
			{func(ms []*member) { ms[0].down, ms[1].drain = true, true }, "---"},
			{down(0, false), "aaa"},
		}},
	}
	for _, method := range []string{"byrequests", "byrequests" + indexedSuffix} {
		for _, tt := range tests {
			t.Run(method+"/"+tt.name, func(t *testing.T) {
				ms, vs := group(tt.lf...)
				m := mustNew(t, method)
				for n, s := range tt.steps {
					if s.set != nil {
						s.set(ms)
						changed(m, vs)
					}
					if got := picks(m, vs, len(s.want)); got != s.want {
						t.Fatalf("step %d: choices %s, want %s", n, got, s.want)
					}
				}
			})
		}
	}
}

func TestByRequestsShares(t *testing.T) {
	tests := []struct {
		name string
		lf   []int64
		set  func(ms []*member)
		n    int
		want []int
	}{
		{"3:1:1", []int64{3, 1, 1}, nil, 300, []int{180, 60, 60}},
		{"70/30", []int64{70, 30}, nil, 1000, []int{700, 300}},
		{"1:2:3:4", []int64{1, 2, 3, 4}, nil, 1000, []int{100, 200, 300, 400}},
		{"decimal weights 1.5:2.5", []int64{15, 25}, nil, 800, []int{300, 500}},
		{"3:1:1, c draining", []int64{3, 1, 1}, func(ms []*member) { ms[2].drain = true }, 400, []int{300, 100, 0}},
		{"3:1:1, a full", []int64{3, 1, 1}, func(ms []*member) { ms[0].full = true }, 400, []int{0, 200, 200}},
		{"3:1:1, b in error", []int64{3, 1, 1}, func(ms []*member) { ms[1].down = true }, 400, []int{300, 0, 100}},
	}
	for _, method := range []string{"byrequests", "byrequests" + indexedSuffix} {
		for _, tt := range tests {
			t.Run(method+"/"+tt.name, func(t *testing.T) {
				ms, vs := group(tt.lf...)
				if tt.set != nil {
					tt.set(ms)
				}
				m := mustNew(t, method)
				if got := counts(m, vs, tt.n); !slices.Equal(got, tt.want) {
					t.Fatalf("choices per member %v, want %v", got, tt.want)
				}
				// Whole periods: lbstatus is back where it started.
				if got := lbstatus(m, vs); slices.ContainsFunc(got, func(s int64) bool { return s != 0 }) {
					t.Fatalf("lbstatus after whole periods %v, want all 0", got)
				}
			})
		}
	}
}
