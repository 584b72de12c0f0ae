package testutil

import (
	"testing"
	"time"
)

// Eventually polls cond every 10ms for up to 5s and fails the test with
// what when it never holds.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached in 5s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
