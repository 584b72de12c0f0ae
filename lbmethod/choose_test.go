package lbmethod

import (
	"strings"
	"testing"
)

// TestChooseLBSetsAndStandby checks get_best_worker's walk, the same for
// every method: the lowest lbset that yields a member wins, and a hot
// standby is a candidate only when no normal member of its own lbset is.
func TestChooseLBSetsAndStandby(t *testing.T) {
	type m = member
	tests := []struct {
		name    string
		members []m
		want    string // the members chosen over 12 choices, each at least once; "-" none
	}{
		{"lbset 0 before 1, whatever the order", []m{{lbset: 1}, {lbset: 0}}, "b"},
		{"several candidates in lbset 0", []m{{lbset: 1}, {lbset: 0}, {lbset: 0, standby: true}, {lbset: 0}}, "bd"},
		{"lbset 1 when lbset 0 is down", []m{{lbset: 1}, {lbset: 0, down: true}}, "a"},
		{"lbset 1 when lbset 0 is draining", []m{{lbset: 1}, {lbset: 0, drain: true}}, "a"},
		{"lbset 1 when lbset 0 is full", []m{{lbset: 1}, {lbset: 0, full: true}}, "a"},
		{"gap between lbsets", []m{{lbset: 5}, {lbset: 2}, {lbset: 7}}, "b"},
		{"standby idle while a normal member is eligible", []m{{standby: true}, {}}, "b"},
		{"standby when the normal member drains", []m{{standby: true}, {drain: true}}, "a"},
		{"standbys share like normal members", []m{{standby: true}, {down: true}, {standby: true}}, "ac"},
		{"standby of lbset 0 before lbset 1", []m{{lbset: 1}, {lbset: 0, standby: true}, {lbset: 0, down: true}}, "b"},
		{"standby of lbset 0 before lbset 1's standby", []m{{lbset: 1, standby: true}, {lbset: 0, standby: true}}, "b"},
		{"unusable standby is skipped", []m{{lbset: 0, standby: true, down: true}, {lbset: 1}}, "b"},
		{"draining standby is skipped", []m{{lbset: 0, standby: true, drain: true}, {lbset: 1, standby: true}}, "b"},
		{"nothing eligible", []m{{down: true}, {drain: true}, {standby: true, full: true}}, "-"},
		{"no members", nil, "-"},
	}
	for _, method := range testMethods {
		for _, tt := range tests {
			t.Run(method+"/"+tt.name, func(t *testing.T) {
				ms := make([]*member, len(tt.members))
				vs := make([]Member, len(tt.members))
				for i := range tt.members {
					ms[i] = &tt.members[i]
					ms[i].factor = 100
					vs[i] = ms[i]
				}
				lb := mustNew(t, method)
				// Each choice sends bytes, so bytraffic shares too.
				var sb strings.Builder
				for range 12 {
					i := lb.Choose(vs)
					if i >= 0 {
						ms[i].sched.Transferred.Add(1000)
					}
					sb.WriteByte(name(i))
				}
				got := sb.String()
				for i := range len(vs) + 1 {
					c := name(i)
					if i == len(vs) {
						c = name(-1)
					}
					if in, want := strings.IndexByte(got, c) >= 0, strings.IndexByte(tt.want, c) >= 0; in != want {
						t.Fatalf("choices %s, want each of %q and nothing else", got, tt.want)
					}
					// A member that never was a candidate keeps lbstatus 0.
					if i < len(vs) && !strings.ContainsRune(tt.want, rune(c)) {
						if s := lb.LBStatus(vs, i); s != 0 {
							t.Fatalf("member %c was no candidate but has lbstatus %d", c, s)
						}
					}
				}
			})
		}
	}
}
