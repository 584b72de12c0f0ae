package testutil

import (
	"testing"
	"time"
)

// Eventually polls cond every 10ms for up to 5s and fails the test with
// what when it never holds.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	EventuallyWithin(t, 5*time.Second, what, cond)
}

// EventuallyWithin is Eventually for events that take longer by nature
// (a Sentinel failover, a cluster's slots spreading): it polls cond every
// 10ms for up to limit.
func EventuallyWithin(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached in %v: %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
