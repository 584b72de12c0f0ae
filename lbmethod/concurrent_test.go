package lbmethod

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentShares: many goroutines choosing at once still get the
// exact weighted schedule, because each choice runs under the method's
// lock.
func TestConcurrentShares(t *testing.T) {
	const goroutines, each = 8, 2000 // 16000 choices: 3200 whole periods of 3:1:1
	for _, method := range []string{"byrequests", "byrequests" + indexedSuffix, "bybusyness", "bybusyness" + indexedSuffix} {
		t.Run(method, func(t *testing.T) {
			ms, vs := group(3, 1, 1)
			lb := mustNew(t, method)
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					for range each {
						vs[lb.Choose(vs)].Sched().Elected.Add(1)
					}
				})
			}
			wg.Wait()
			got := make([]int64, len(ms))
			for i, m := range ms {
				got[i] = m.sched.Elected.Load()
			}
			if want := []int64{9600, 3200, 3200}; !slices.Equal(got, want) {
				t.Fatalf("choices per member %v, want %v", got, want)
			}
		})
	}
}

// TestConcurrentUse mixes choices, sticky hits, resets, lbstatus reads and
// counter updates from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	const goroutines, each = 6, 500
	for _, method := range testMethods {
		t.Run(method, func(t *testing.T) {
			ms, vs := group(3, 2, 1)
			ms[2].standby = true
			lb := mustNew(t, method)
			var wg sync.WaitGroup
			var mu sync.Mutex
			chosen := 0
			for g := range goroutines {
				wg.Go(func() {
					n := 0
					for k := range each {
						switch {
						case g == 0 && k%100 == 0:
							lb.Reset(vs)
						case g == 1:
							lb.Stick(vs, k%len(vs))
							_ = lb.LBStatus(vs, k%len(vs))
						default:
							i := lb.Choose(vs)
							if i < 0 {
								t.Error("no member chosen")
								return
							}
							s := vs[i].Sched()
							s.Busy.Add(1)
							s.Transferred.Add(int64(100 + k))
							s.Read.Add(int64(1000 + k))
							s.Busy.Add(-1)
							n++
						}
					}
					mu.Lock()
					chosen += n
					mu.Unlock()
				})
			}
			wg.Wait()
			if want := (goroutines-2)*each + each - each/100; chosen != want {
				t.Fatalf("%d choices made, want %d", chosen, want)
			}
		})
	}
}

// TestSharedLock: methods built by NewShared on one Shared serve the same
// members at once (a balancer whose lbmethod was edited while requests
// still run on the old one) and hold its lock while they update lbstatus,
// whether byrequests is indexed (Reported) or not; run with -race.
func TestSharedLock(t *testing.T) {
	const each = 1000
	for _, reported := range []bool{false, true} {
		t.Run(fmt.Sprint("reported=", reported), func(t *testing.T) {
			_, vs := group(3, 2, 1)
			sh := &Shared{}
			if reported {
				sh = Reported(nil)
			}
			var wg sync.WaitGroup
			for _, name := range Names() {
				lb, err := NewShared(name, sh)
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					for k := range each {
						if i := lb.Choose(vs); i < 0 {
							t.Error("no member chosen")
							return
						}
						lb.Stick(vs, k%len(vs))
						sh.Changed(vs[k%len(vs)].Sched())
					}
				})
			}
			if !reported {
				// The test's own updates of lbstatus under the shared
				// lock race with nothing either.
				wg.Go(func() {
					for range each {
						sh.mu.Lock()
						vs[0].Sched().LBStatus++
						sh.mu.Unlock()
					}
				})
			}
			wg.Wait()
			if _, err := NewShared("nope", sh); err == nil {
				t.Error("unknown method: no error")
			}
		})
	}
}
