package lbmethod

import (
	"sync"
	"testing"
)

// TestInFlightTellsIndex changes the requests in flight of a few members
// from many goroutines (Add, CompareAndSwap, Store) while others choose
// through IndexedByBusyness, which files members by those counts. Once
// they are done, one more choice must find every member filed under its
// current count: a change the index missed would leave a member under an
// old one. Run with -race, which also checks the list's handover.
func TestInFlightTellsIndex(t *testing.T) {
	const changers, choosers, each = 6, 2, 3000
	for round := range 20 {
		ms, vs := group(1, 1, 2, 2, 3)
		lb := mustNewReported(t, "bybusyness", nil)
		var wg sync.WaitGroup
		for g := range changers {
			wg.Go(func() {
				c := &ms[(g+round)%len(ms)].sched.Busy
				for k := range each {
					switch k % 7 {
					case 3:
						if b := c.Load(); b > 0 {
							c.CompareAndSwap(b, b-1)
						}
					case 5:
						c.Store(int64(k % 4))
					default:
						c.Add(1)
						c.Add(-1)
						if k%2 == 0 {
							c.Add(1)
						}
					}
				}
			})
		}
		for range choosers {
			wg.Go(func() {
				for range each {
					lb.Choose(vs)
				}
			})
		}
		wg.Wait()
		lb.Choose(vs)
		sh := lb.(interface{ state() *Shared }).state()
		sh.mu.Lock()
		for i := range sh.z.slots {
			s := &sh.z.slots[i]
			busy := s.sc.Busy.Load()
			if s.k != busy || sh.z.groups[s.group].key.busy != busy {
				t.Errorf("round %d: member %d filed under %d requests in flight (group %d), has %d",
					round, i, s.k, sh.z.groups[s.group].key.busy, busy)
			}
		}
		sh.mu.Unlock()
	}
}
