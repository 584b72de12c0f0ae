package session

import "testing"

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		if len(id) != 32 || !validID(id) {
			t.Fatalf("id %q: want 32 hex characters (128 bits)", id)
		}
		if seen[id] {
			t.Fatalf("id %q drawn twice", id)
		}
		seen[id] = true
	}
}

func TestSplitAndValidID(t *testing.T) {
	for _, tc := range []struct {
		full, id, worker string
		valid            bool
	}{
		{"0123456789abcdef0123456789abcdef.node1", "0123456789abcdef0123456789abcdef", "node1", true},
		{"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", "", true},
		{"0123456789abcdef.n", "0123456789abcdef", "n", true},
		{"0123456789abcdef0123456789abcdef.", "0123456789abcdef0123456789abcdef", "", true},
		{"0123456789ABCDEF0123456789abcdef.node1", "0123456789ABCDEF0123456789abcdef", "node1", false},
		{"0123456789abcde.node1", "0123456789abcde", "node1", false},
		{"../../../../etc/passwd.node1", "../../../../etc/passwd", "node1", false},
		{"", "", "", false},
	} {
		id, worker := splitID(tc.full)
		if id != tc.id || worker != tc.worker || validID(id) != tc.valid {
			t.Errorf("splitID(%q) = %q, %q (valid %v), want %q, %q (valid %v)",
				tc.full, id, worker, validID(id), tc.id, tc.worker, tc.valid)
		}
	}
}
