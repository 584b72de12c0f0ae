package lbmethod

import "testing"

func TestByBusynessSequence(t *testing.T) {
	tests := []struct {
		name string
		lf   []int64 // loadfactors
		busy []int64 // requests in flight, fixed during the test
		want string
	}{
		{"fewest in flight", []int64{1, 1, 1}, []int64{2, 0, 1}, "bbbbbb"},
		{"fewest in flight beats a higher weight", []int64{1, 100}, []int64{0, 1}, "aaaa"},
		// lbstatus breaks the tie between b and c like byrequests
		// would; a, busier, is never chosen although its lbstatus grows.
		{"ties go to the highest lbstatus", []int64{1, 1, 1}, []int64{2, 1, 1}, "bcbcbc"},
		{"equally busy members share by weight", []int64{3, 1, 1}, []int64{0, 0, 0}, "abacaabaca"},
		{"equally busy 70/30", []int64{70, 30}, []int64{4, 4}, "abaaabaaba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, vs := group(tt.lf...)
			for i, b := range tt.busy {
				ms[i].sched.Busy.Store(b)
			}
			if got := picks(mustNew(t, "bybusyness"), vs, len(tt.want)); got != tt.want {
				t.Fatalf("choices %s, want %s", got, tt.want)
			}
		})
	}
}

// TestByBusynessInFlight follows requests that start when chosen and end
// later: a member that is slow to answer gets fewer new requests.
func TestByBusynessInFlight(t *testing.T) {
	ms, vs := group(1, 1)
	lb := mustNew(t, "bybusyness")
	chosen := make([]int, 2)
	for range 100 {
		i := lb.Choose(vs)
		chosen[i]++
		ms[i].sched.Busy.Add(1)
		// b answers at once; a's requests stay in flight.
		ms[1].sched.Busy.Store(0)
	}
	if chosen[0] != 1 || chosen[1] != 99 {
		t.Fatalf("choices per member %v, want [1 99]", chosen)
	}
}
