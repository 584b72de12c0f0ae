package affinity

import (
	"testing"
	"time"
)

// The request path calls these for every request: none may allocate.
func TestNoAllocations(t *testing.T) {
	s := mustSpec(t, "JSESSIONID|jsessionid", ".", true)
	target := []byte("/shop/cart;jsessionid=node0abc123.node2?item=42&qty=1")
	query := []byte("/shop/cart?item=42&jsessionid=node0abc123.node2")
	cookie := []byte(realisticCookie)
	setCookie := []byte("JSESSIONID=node0abc123.node2; Path=/; Expires=Thu, 01-Jan-1970 00:00:10 GMT; HttpOnly")
	tab := NewTable(1000, time.Hour)
	tab.Put("node0abc123", "node2", t0)
	hit, miss := []byte("node0abc123"), []byte("node0zzz999")
	tests := []struct {
		name string
		fn   func()
	}{
		{"FromURL path", func() { s.FromURL(target) }},
		{"FromURL query", func() { s.FromURL(query) }},
		{"FromCookie", func() { s.FromCookie(cookie) }},
		{"FromSetCookie", func() { s.FromSetCookie(setCookie) }},
		{"Route", func() { s.Route(target[22:39]) }},
		{"SessionID", func() { s.SessionID(target[22:39]) }},
		{"Cookie", func() { _ = s.Cookie() }},
		{"Separator", func() { _ = s.Separator() }},
		{"Table.Get hit", func() { tab.Get(hit, t0) }},
		{"Table.Get miss", func() { tab.Get(miss, t0) }},
		{"Table.Touch hit", func() { tab.Touch(hit, "node2", t0) }},
		{"Table.Touch miss", func() { tab.Touch(miss, "node2", t0) }},
		{"Table.Delete miss", func() { tab.Delete(miss) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", tt.name, n)
		}
	}
	if r, ok := tab.Get(hit, t0); !ok || r != "node2" {
		t.Errorf("Table.Get(hit) = %q, %v", r, ok) // the benchmark must have looked at a hit
	}
}
