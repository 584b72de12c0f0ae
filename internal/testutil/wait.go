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

// EventuallyWithin is Eventually for up to d, for events that take longer
// (a JVM starting, a node's idle timeout).
func EventuallyWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached in %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
