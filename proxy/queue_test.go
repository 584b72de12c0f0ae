package proxy

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// Every slot given back goes to a queued request at once: with all slots
// held and many requests queued, releasing k slots serves exactly k
// waiters, round after round, none of them left to sit out its
// queuetimeout (an hour here; the bound below only ends a failing run).
func TestQueueWakeUpsAreNeverLost(t *testing.T) {
	tests := []struct{ max, waiters int }{{1, 16}, {2, 40}, {4, 64}, {7, 50}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("max %d, %d waiting", tc.max, tc.waiters), func(t *testing.T) {
			st := newMemberStateForTest()
			max, queue := int64(tc.max), int64(tc.waiters)
			for range tc.max {
				if !st.acquire(max, queue, time.Hour) {
					t.Fatal("a free slot was refused")
				}
			}
			got := make(chan bool, tc.waiters)
			for range tc.waiters {
				go func() { got <- st.acquire(max, queue, time.Hour) }()
			}
			testutil.Eventually(t, "every request queued", func() bool { return st.queued() == queue })
			if st.acquire(max, queue, time.Hour) {
				t.Fatal("a request beyond maxqueue took a slot")
			}
			served := 0
			for served < tc.waiters {
				k := min(tc.max, tc.waiters-served)
				for range k {
					st.requestDone()
				}
				for range k {
					select {
					case ok := <-got:
						if !ok {
							t.Fatal("a queued request was refused although a slot was free")
						}
						served++
					case <-time.After(20 * time.Second):
						t.Fatalf("a slot was given back and no waiter got it (lost wake-up); %d of %d served", served, tc.waiters)
					}
				}
				if b := st.sched.Busy.Load(); b != max {
					t.Fatalf("%d slots held after handing %d over, want %d", b, k, max)
				}
			}
			select {
			case <-got:
				t.Fatal("more requests served than slots given back")
			default:
			}
			if st.queued() != 0 {
				t.Fatalf("%d still counted as queued", st.queued())
			}
		})
	}
}

// A queued request that times out leaves the queue (and maxqueue room)
// and takes no slot; one whose slot arrives as it times out keeps it.
func TestQueueTimeout(t *testing.T) {
	st := newMemberStateForTest()
	if !st.acquire(1, 1, time.Hour) {
		t.Fatal("a free slot was refused")
	}
	if st.acquire(1, 1, time.Millisecond) {
		t.Fatal("a request took a slot that was held")
	}
	if st.queued() != 0 || st.sched.Busy.Load() != 1 {
		t.Fatalf("queued %d, busy %d after a timeout; want 0, 1", st.queued(), st.sched.Busy.Load())
	}
	done := make(chan bool)
	go func() { done <- st.acquire(1, 1, time.Hour) }()
	testutil.Eventually(t, "the request queued", func() bool { return st.queued() == 1 })
	st.requestDone()
	if !<-done {
		t.Fatal("the queued request did not get the slot")
	}
	if st.sched.Busy.Load() != 1 {
		t.Fatalf("busy %d, want 1", st.sched.Busy.Load())
	}
}

func newMemberStateForTest() *memberState { return &memberState{} }

// Requests arriving, queueing and giving slots back all at once: none of
// them may wait while a slot is free, so every one finishes its rounds
// long before the hour its queuetimeout allows.
func TestQueueChurn(t *testing.T) {
	tests := []struct{ max, workers, rounds int }{{1, 8, 300}, {2, 16, 300}, {3, 32, 200}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("max %d, %d requesters", tc.max, tc.workers), func(t *testing.T) {
			st := newMemberStateForTest()
			max := int64(tc.max)
			done := make(chan bool, tc.workers)
			for range tc.workers {
				go func() {
					for range tc.rounds {
						if !st.acquire(max, int64(tc.workers), time.Hour) {
							done <- false
							return
						}
						if b := st.sched.Busy.Load(); b > max {
							done <- false
							return
						}
						runtime.Gosched()
						st.requestDone()
					}
					done <- true
				}()
			}
			for range tc.workers {
				select {
				case ok := <-done:
					if !ok {
						t.Fatal("a request was refused, or more than max held slots")
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("requests still waiting with %d of %d slots held (lost wake-up)", st.sched.Busy.Load(), max)
				}
			}
		})
	}
}

// A slot given back at the two moments a wake-up could be lost — after a
// request found every slot taken but before it queued, and after it
// queued but before it waits — still reaches it. The hooks make those
// moments happen on every run.
func TestQueueWakeUpAtTheWorstMoment(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		waiters int
		hook    *func()
		// release is how many slots the hook gives back on its last call.
		release int
	}{
		{"given back before queueing", 1, 1, &testHookBeforeQueue, 1},
		{"given back after queueing", 1, 1, &testHookQueued, 1},
		{"two given back before the waiters wait", 2, 2, &testHookQueued, 2},
		{"three given back before queueing", 3, 3, &testHookBeforeQueue, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemberStateForTest()
			for range tc.max {
				st.acquire(tc.max, 0, 0)
			}
			var mu sync.Mutex
			calls := 0
			*tc.hook = func() {
				mu.Lock()
				defer mu.Unlock()
				if calls++; calls == tc.waiters {
					for range tc.release {
						st.requestDone()
					}
				}
			}
			t.Cleanup(func() { *tc.hook = nil })
			got := make(chan bool, tc.waiters)
			for range tc.waiters {
				go func() { got <- st.acquire(tc.max, 8, time.Hour) }()
			}
			for range tc.waiters {
				select {
				case ok := <-got:
					if !ok {
						t.Fatal("refused")
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("a slot was given back and a request still waits for one (lost wake-up); busy %d of %d",
						st.sched.Busy.Load(), tc.max)
				}
			}
			if b := st.sched.Busy.Load(); b != tc.max {
				t.Fatalf("busy %d, want %d", b, tc.max)
			}
		})
	}
}
