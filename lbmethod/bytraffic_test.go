package lbmethod

import "testing"

func TestByTrafficChoice(t *testing.T) {
	type m struct {
		factor, transferred, read int64
		drain                     bool
	}
	tests := []struct {
		name    string
		members []m
		want    int
	}{
		{"least traffic", []m{{100, 500, 500, false}, {100, 300, 300, false}, {100, 400, 0, false}}, 2},
		{"traffic per factor", []m{{100, 1000, 0, false}, {300, 2400, 0, false}}, 1},
		// 599/300 + 599/300 = 2 ties with 250/100 = 2; one division of
		// the sum (1198/300 = 3) would pick b instead.
		{"each direction divided on its own", []m{{300, 599, 599, false}, {100, 0, 250, false}}, 0},
		{"bytes below the factor count for nothing", []m{{1000, 999, 999, false}, {100, 100, 0, false}}, 0},
		{"first in order on ties", []m{{100, 100, 0, false}, {100, 0, 100, false}}, 0},
		{"sent and read bytes count alike", []m{{100, 0, 300, false}, {100, 200, 0, false}}, 1},
		{"ineligible member with less traffic is skipped", []m{{100, 0, 0, true}, {100, 5000, 0, false}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := make([]Member, len(tt.members))
			for i, c := range tt.members {
				mb := &member{factor: c.factor, drain: c.drain}
				mb.sched.Transferred.Store(c.transferred)
				mb.sched.Read.Store(c.read)
				vs[i] = mb
			}
			if got := mustNew(t, "bytraffic").Choose(vs); got != tt.want {
				t.Fatalf("chose %c, want %c", name(got), name(tt.want))
			}
		})
	}
}

// TestByTrafficSequence sends 1000 bytes per choice to 3:1:1 members:
// a's traffic is 1000·n/300 (0, 3, 6, 10, ...), b's and c's 10·n, so the
// schedule is a b c a a, repeated, and the shares are 3:1:1 exactly.
func TestByTrafficSequence(t *testing.T) {
	ms, vs := group(3, 1, 1)
	lb := mustNew(t, "bytraffic")
	got := make([]byte, 0, 500)
	for range 500 {
		i := lb.Choose(vs)
		ms[i].sched.Transferred.Add(1000)
		got = append(got, name(i))
	}
	if want := "abcaaabcaa"; string(got[:10]) != want {
		t.Fatalf("first choices %s, want %s", got[:10], want)
	}
	for i, want := range []int64{300, 100, 100} {
		if n := ms[i].sched.Transferred.Load() / 1000; n != want {
			t.Fatalf("member %c chosen %d times, want %d", name(i), n, want)
		}
	}
}
