package affinity

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestTableSetLimits: a reload's new bound and lifetime apply to the
// entries the table holds and to those put afterwards.
func TestTableSetLimits(t *testing.T) {
	tests := []struct {
		desc             string
		size, newSize    int
		ttl, newTTL      time.Duration
		puts             int           // entries k0… put before SetLimits
		at               time.Duration // when SetLimits runs, after t0
		wantKept         []int         // entries still found right after SetLimits
		wantGone         []int
		afterPuts        int           // entries a0… put after SetLimits
		wantLen          int           // after those
		probe            time.Duration // an entry put at t0 (if kept) is looked up then
		wantProbeExpired bool
	}{
		{desc: "shrink drops the least recently put", size: 10, newSize: 4, ttl: time.Hour, newTTL: time.Hour,
			puts: 10, wantKept: []int{6, 7, 8, 9}, wantGone: []int{0, 5}, wantLen: 4},
		{desc: "grow keeps all and takes more", size: 4, newSize: 20, ttl: time.Hour, newTTL: time.Hour,
			puts: 4, wantKept: []int{0, 3}, afterPuts: 10, wantLen: 14},
		{desc: "shorter lifetime cuts held entries", size: 100, newSize: 100, ttl: time.Hour, newTTL: time.Minute,
			puts: 3, at: 10 * time.Second, wantKept: []int{0, 2}, probe: 71 * time.Second, wantProbeExpired: true},
		{desc: "longer lifetime keeps held entries' expiry", size: 100, newSize: 100, ttl: time.Minute, newTTL: time.Hour,
			puts: 3, wantKept: []int{0}, probe: 61 * time.Second, wantProbeExpired: true},
		{desc: "many shards shrunk stay within the bound", size: 4096, newSize: 100, ttl: time.Hour, newTTL: time.Hour,
			puts: 4096, afterPuts: 5000, wantLen: 100},
		{desc: "below one entry a shard every key still has room", size: 100000, newSize: 20, ttl: time.Hour, newTTL: time.Hour,
			puts: 20, wantKept: []int{19}, afterPuts: 1000, wantLen: 20},
		{desc: "grown past its shards spreads over more", size: 40, newSize: 100000, ttl: time.Hour, newTTL: time.Minute,
			puts: 10, at: time.Second, wantKept: []int{0, 9}, afterPuts: 5000, wantLen: 5010},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			tab := NewTable(tc.size, tc.ttl)
			for i := range tc.puts {
				tab.Put("k"+strconv.Itoa(i), "node1", t0)
			}
			now := t0.Add(tc.at)
			tab.SetLimits(tc.newSize, tc.newTTL, now)
			if size, ttl := tab.Limits(); size != tc.newSize || ttl != tc.newTTL {
				t.Fatalf("Limits = %d, %v; want %d, %v", size, ttl, tc.newSize, tc.newTTL)
			}
			for _, i := range tc.wantKept {
				if _, ok := tab.Get([]byte("k"+strconv.Itoa(i)), now); !ok {
					t.Errorf("k%d dropped", i)
				}
			}
			for _, i := range tc.wantGone {
				if _, ok := tab.Get([]byte("k"+strconv.Itoa(i)), now); ok {
					t.Errorf("k%d kept", i)
				}
			}
			if tc.probe > 0 {
				_, ok := tab.Get([]byte("k0"), t0.Add(tc.probe))
				if ok == tc.wantProbeExpired {
					t.Errorf("k0 at t0+%v: present %v, want %v", tc.probe, ok, !tc.wantProbeExpired)
				}
			}
			for i := range tc.afterPuts {
				tab.Put("a"+strconv.Itoa(i), "node1", now)
			}
			if tc.wantLen > 0 && tab.Len() != tc.wantLen {
				t.Errorf("Len = %d, want %d", tab.Len(), tc.wantLen)
			}
		})
	}
}

// TestTableSetLimitsNewTTL: entries put after a change live the new
// lifetime.
func TestTableSetLimitsNewTTL(t *testing.T) {
	tab := NewTable(10, time.Minute)
	tab.SetLimits(10, time.Hour, t0)
	tab.Put("k", "node1", t0)
	if _, ok := tab.Get([]byte("k"), t0.Add(59*time.Minute)); !ok {
		t.Fatal("an entry put after the lifetime grew to 1h expired within it")
	}
}

// TestTableSetLimitsConcurrent: lookups and puts go on while the table
// moves to another number of shards (run with -race).
func TestTableSetLimitsConcurrent(t *testing.T) {
	tab := NewTable(100000, time.Hour)
	for i := range 1000 {
		tab.Put("k"+strconv.Itoa(i), "node1", t0)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				k := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i%500)
				tab.Put(k, "node2", t0)
				tab.Get([]byte(k), t0)
				tab.Len()
			}
		}()
	}
	for _, size := range []int{50, 5000, 20, 100000, 1000} {
		tab.SetLimits(size, time.Hour, t0)
		if n := tab.Len(); n > size {
			t.Errorf("Len %d over the bound %d", n, size)
		}
	}
	close(done)
	wg.Wait()
	tab.Put("last", "node3", t0)
	if r, ok := tab.Get([]byte("last"), t0); !ok || r != "node3" {
		t.Fatalf("after the moves: %q %v", r, ok)
	}
}
