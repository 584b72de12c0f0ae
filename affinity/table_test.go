package affinity

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func TestTableGetPut(t *testing.T) {
	tab := NewTable(100, time.Minute)
	if r, ok := tab.Get([]byte("abc"), t0); ok {
		t.Fatalf("empty table: Get = %q, want a miss", r)
	}
	tab.Put("abc", "node1", t0)
	tab.Put("def", "node2", t0)
	for key, want := range map[string]string{"abc": "node1", "def": "node2"} {
		if r, ok := tab.Get([]byte(key), t0.Add(time.Second)); !ok || r != want {
			t.Errorf("Get(%q) = %q, %v; want %q", key, r, ok, want)
		}
	}
	tab.Put("abc", "node3", t0)
	if r, _ := tab.Get([]byte("abc"), t0); r != "node3" {
		t.Errorf("after a second Put, Get = %q, want node3", r)
	}
	if n := tab.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	tab.Delete([]byte("abc"))
	tab.Delete([]byte("absent"))
	if r, ok := tab.Get([]byte("abc"), t0); ok {
		t.Errorf("after Delete, Get = %q, want a miss", r)
	}
	if n := tab.Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
}

func TestTableTTL(t *testing.T) {
	tab := NewTable(100, time.Minute)
	tab.Put("abc", "node1", t0)
	if _, ok := tab.Get([]byte("abc"), t0.Add(time.Minute-time.Nanosecond)); !ok {
		t.Error("entry gone before its ttl")
	}
	if r, ok := tab.Get([]byte("abc"), t0.Add(time.Minute)); ok {
		t.Errorf("entry returned at its expiry: %q", r)
	}
	if n := tab.Len(); n != 0 {
		t.Errorf("Len = %d after a Get met the expired entry, want 0", n)
	}

	// A second Put renews the ttl.
	tab.Put("abc", "node1", t0)
	tab.Put("abc", "node1", t0.Add(30*time.Second))
	if _, ok := tab.Get([]byte("abc"), t0.Add(80*time.Second)); !ok {
		t.Error("renewed entry expired on the first Put's schedule")
	}

	for _, ttl := range []time.Duration{0, -time.Second} {
		tab := NewTable(10, ttl)
		tab.Put("abc", "node1", t0)
		if r, ok := tab.Get([]byte("abc"), t0); ok || tab.Len() != 0 {
			t.Errorf("ttl %v: Get = %q, %v, Len %d; want nothing kept", ttl, r, ok, tab.Len())
		}
	}
}

func TestTablePutUntil(t *testing.T) {
	tab := NewTable(100, time.Minute)
	tab.PutUntil("remote", "node2", t0.Add(time.Hour)) // longer than the ttl
	if _, ok := tab.Get([]byte("remote"), t0.Add(59*time.Minute)); !ok {
		t.Error("PutUntil entry did not keep its own expiry")
	}
	if _, ok := tab.Get([]byte("remote"), t0.Add(time.Hour)); ok {
		t.Error("PutUntil entry returned at its expiry")
	}
	// Entries already expired are never returned, even when a refresh
	// moves an entry's expiry back.
	tab.PutUntil("stale", "node2", t0)
	if _, ok := tab.Get([]byte("stale"), t0); ok {
		t.Error("expired PutUntil entry returned")
	}
	tab.PutUntil("x", "node1", t0.Add(2*time.Hour))
	tab.PutUntil("x", "node1", t0.Add(-time.Hour))
	if _, ok := tab.Get([]byte("x"), t0); ok {
		t.Error("entry returned after an expired refresh")
	}
	// Expiries beyond int64 nanoseconds are clamped, not wrapped.
	tab.PutUntil("far", "node1", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, ok := tab.Get([]byte("far"), t0); !ok {
		t.Error("entry expiring in 3000 not returned")
	}
	tab.PutUntil("zero", "node1", time.Time{})
	if _, ok := tab.Get([]byte("zero"), t0); ok {
		t.Error("entry with a zero expiry returned")
	}
}

func TestTableShards(t *testing.T) {
	tests := []struct {
		size, shards int
	}{
		{-5, 1}, {0, 1}, {1, 1}, {10, 1}, {31, 1}, {32, 2}, {100, 4}, {1000, 32}, {1023, 32}, {1024, 64}, {100000, 64},
	}
	for _, tt := range tests {
		tab := NewTable(tt.size, time.Minute)
		sum := 0
		for i := range tab.lay.Load().shards {
			sum += tab.lay.Load().shards[i].limit
		}
		if len(tab.lay.Load().shards) != tt.shards || sum != max(tt.size, 1) {
			t.Errorf("NewTable(%d): %d shards holding %d; want %d holding %d", tt.size, len(tab.lay.Load().shards), sum, tt.shards, max(tt.size, 1))
		}
	}
}

func TestTableBound(t *testing.T) {
	// One shard: the least recently put entries go first, exactly.
	tab := NewTable(10, time.Hour)
	for i := range 15 {
		tab.Put("k"+strconv.Itoa(i), "node1", t0)
	}
	if n := tab.Len(); n != 10 {
		t.Errorf("Len = %d, want 10", n)
	}
	for i := range 15 {
		_, ok := tab.Get([]byte("k"+strconv.Itoa(i)), t0)
		if want := i >= 5; ok != want {
			t.Errorf("k%d present %v, want %v", i, ok, want)
		}
	}

	// A second Put makes an entry recent again.
	tab = NewTable(3, time.Hour)
	tab.Put("a", "node1", t0)
	tab.Put("b", "node1", t0)
	tab.Put("c", "node1", t0)
	tab.Put("a", "node2", t0)
	tab.Put("d", "node1", t0)
	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := tab.Get([]byte(key), t0); ok != want {
			t.Errorf("%s present %v, want %v", key, ok, want)
		}
	}

	// Many shards: never above the bound, and full once every shard is.
	tab = NewTable(1000, time.Hour)
	for i := range 20000 {
		tab.Put("s"+strconv.Itoa(i), "node1", t0)
		if i%1000 == 999 && tab.Len() > 1000 {
			t.Fatalf("Len %d above the bound after %d puts", tab.Len(), i+1)
		}
	}
	if n := tab.Len(); n != 1000 {
		t.Errorf("Len = %d, want 1000", n)
	}
	if _, ok := tab.Get([]byte("s19999"), t0); !ok {
		t.Error("the latest entry was evicted")
	}
}

func TestTableDropsExpired(t *testing.T) {
	// Expired entries at the old end go before any live one is evicted.
	tab := NewTable(3, time.Hour)
	tab.PutUntil("a", "node1", t0.Add(time.Second))
	tab.Put("b", "node1", t0)
	tab.Put("c", "node1", t0)
	tab.Put("d", "node1", t0.Add(2*time.Second))
	for key, want := range map[string]bool{"a": false, "b": true, "c": true, "d": true} {
		if _, ok := tab.Get([]byte(key), t0.Add(2*time.Second)); ok != want {
			t.Errorf("%s present %v, want %v", key, ok, want)
		}
	}

	// Each Put drops up to two expired entries, so a table that is not
	// full sheds dead entries faster than new ones come in.
	tab = NewTable(30, time.Second) // one shard
	for i := range 20 {
		tab.Put("old"+strconv.Itoa(i), "node1", t0)
	}
	for i := range 10 {
		tab.Put("new"+strconv.Itoa(i), "node1", t0.Add(2*time.Second))
	}
	if n := tab.Len(); n != 10 {
		t.Errorf("Len %d after 10 puts over 20 expired entries, want 10", n)
	}
}

func TestTableCountByRoute(t *testing.T) {
	tab := NewTable(100, time.Minute)
	tab.Put("a", "node1", t0)
	tab.Put("b", "node1", t0)
	tab.Put("c", "node2", t0)
	tab.PutUntil("d", "node3", t0.Add(time.Second))
	got := tab.CountByRoute(t0.Add(2 * time.Second))
	want := map[string]int{"node1": 2, "node2": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CountByRoute = %v, want %v", got, want)
	}
	if n := tab.Len(); n != 3 {
		t.Errorf("Len = %d after CountByRoute, want the expired entry dropped (3)", n)
	}
	if got := tab.CountByRoute(t0.Add(time.Hour)); len(got) != 0 || tab.Len() != 0 {
		t.Errorf("CountByRoute after every expiry = %v, Len %d; want none", got, tab.Len())
	}
}

func TestTableRange(t *testing.T) {
	tab := NewTable(1000, time.Minute)
	for i := range 100 {
		tab.Put("k"+strconv.Itoa(i), "node"+strconv.Itoa(i%3), t0)
	}
	tab.PutUntil("gone", "node9", t0.Add(time.Second))
	seen := map[string]string{}
	tab.Range(t0.Add(2*time.Second), func(key, route string, expires time.Time) bool {
		if !expires.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s expires %v, want %v", key, expires, t0.Add(time.Minute))
		}
		seen[key] = route
		tab.Delete([]byte(key)) // f may use the table
		return true
	})
	if len(seen) != 100 || seen["k4"] != "node1" || seen["gone"] != "" {
		t.Errorf("Range saw %d entries (k4 → %q, gone → %q); want 100, node1, none", len(seen), seen["k4"], seen["gone"])
	}
	if n := tab.Len(); n != 1 { // only the expired one, which Range leaves alone
		t.Errorf("Len = %d after deleting every live entry, want 1", n)
	}

	for i := range 100 {
		tab.Put("k"+strconv.Itoa(i), "node1", t0)
	}
	calls := 0
	tab.Range(t0, func(string, string, time.Time) bool { calls++; return calls < 5 })
	if calls != 5 {
		t.Errorf("Range went on after false: %d calls, want 5", calls)
	}
}

// TestTableConcurrent runs every operation at once; run it with -race.
func TestTableConcurrent(t *testing.T) {
	const size = 256
	tab := NewTable(size, 50*time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			now := t0
			key := make([]byte, 0, 16)
			for i := range 5000 {
				now = now.Add(time.Millisecond)
				key = strconv.AppendInt(key[:0], int64((g*7919+i)%1500), 10)
				switch i % 7 {
				case 0, 1, 2:
					tab.Put(string(key), "node"+strconv.Itoa(g), now)
				case 3:
					tab.PutUntil(string(key), "remote", now.Add(time.Second))
				case 4:
					tab.Delete(key)
				default:
					if r, ok := tab.Get(key, now); ok && r == "" {
						t.Errorf("Get(%s) returned an empty route", key)
					}
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			if n := tab.Len(); n > size {
				t.Errorf("Len %d above %d", n, size)
			}
			tab.CountByRoute(t0.Add(time.Second))
			tab.Range(t0, func(string, string, time.Time) bool { return true })
		}
	})
	wg.Wait()
	if n := tab.Len(); n > size {
		t.Errorf("Len %d above %d", n, size)
	}
}

// TestTableTouch: Touch renews a live entry of the same route for the ttl
// from now and changes nothing otherwise.
func TestTableTouch(t *testing.T) {
	for _, tt := range []struct {
		name      string
		put       bool   // put abc → node1 at t0
		route     string // Touch's route
		at        time.Duration
		want      bool
		liveUntil time.Duration // Get at t0+liveUntil-1ns finds node1 (0: absent)
	}{
		{"absent", false, "node1", time.Second, false, 0},
		{"live, same route", true, "node1", 50 * time.Second, true, 110 * time.Second},
		{"live, other route", true, "node2", 50 * time.Second, false, time.Minute},
		{"expired", true, "node1", time.Minute, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tab := NewTable(100, time.Minute)
			if tt.put {
				tab.Put("abc", "node1", t0)
			}
			if got := tab.Touch([]byte("abc"), tt.route, t0.Add(tt.at)); got != tt.want {
				t.Fatalf("Touch = %v, want %v", got, tt.want)
			}
			if tt.liveUntil == 0 {
				if r, ok := tab.Get([]byte("abc"), t0.Add(tt.at)); ok {
					t.Fatalf("Get after Touch = %q, want a miss", r)
				}
				return
			}
			if r, ok := tab.Get([]byte("abc"), t0.Add(tt.liveUntil-1)); !ok || r != "node1" {
				t.Fatalf("Get just before %v = %q, %v; want node1", tt.liveUntil, r, ok)
			}
			if r, ok := tab.Get([]byte("abc"), t0.Add(tt.liveUntil)); ok {
				t.Fatalf("Get at %v = %q, want a miss", tt.liveUntil, r)
			}
		})
	}
}
