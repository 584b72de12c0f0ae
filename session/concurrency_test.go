package session

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"balancer/internal/testutil"
)

// waitVersion waits until session id is stored at version v.
func waitVersion(t *testing.T, st Store, id string, v int64) {
	t.Helper()
	testutil.Eventually(t, fmt.Sprintf("session stored at version %d", v), func() bool {
		d, err := st.Load(context.Background(), id)
		return err == nil && d.Version == v
	})
}

// TestConcurrentUpdatesOnTwoNodes is the guarantee of Update: two nodes on
// one real Redis, two goroutines each, incrementing one session at the
// same time; every increment is counted, whatever the cache policy, and
// every request sees a count no other request saw.
func TestConcurrentUpdatesOnTwoNodes(t *testing.T) {
	rs, _, _ := redisStore(t)
	for _, cache := range []string{CacheNever, CacheOnExit, CacheNone} {
		t.Run(cache, func(t *testing.T) {
			p, _ := ParseCachePolicy(cache)
			a := counter(newManager(t, rs, Config{Worker: "node1", Cache: p}))
			b := counter(newManager(t, rs, Config{Worker: "node2", Cache: p}))
			full := cookieOf(do(t, a, "/", "")).Value
			id, _ := splitID(full)
			const each = 40
			var mu sync.Mutex
			seen := map[int]bool{1: true}
			var wg sync.WaitGroup
			for _, h := range []http.Handler{a, a, b, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						n := count(t, do(t, h, "/", full))
						mu.Lock()
						if seen[n] {
							t.Errorf("count %d seen twice: an update was lost", n)
						}
						seen[n] = true
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if n, _ := stored(t, rs, id, "n"); n != 1+4*each {
				t.Fatalf("count %d after %d increments", n, 1+4*each)
			}
		})
	}
}

// TestMergeOnConflict is the guarantee of Set: two nodes load the same
// version and both change the session; the second save finds the first
// and merges per attribute: what only the first changed is kept, an
// attribute both changed takes the second's value, and a deletion by the
// second wins over the first's value.
func TestMergeOnConflict(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a := newManager(t, st, Config{Worker: "a", Cache: CachePolicy{Mode: CacheNever}})
			b := newManager(t, st, Config{Worker: "b", Cache: CachePolicy{Mode: CacheNever}})
			// Each node's handler sets the attributes in the query, then
			// waits until told to finish.
			hold := func(m *Manager, loaded chan<- struct{}, finish <-chan struct{}) http.Handler {
				return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := FromContext(r.Context())
					for k, v := range r.URL.Query() {
						if v[0] == "-" {
							s.Delete(k)
						} else {
							s.Set(k, v[0])
						}
					}
					if loaded != nil {
						loaded <- struct{}{}
						<-finish
					}
				}))
			}
			start := cookieOf(do(t, hold(a, nil, nil), "/?shared=0&gone=0&base=0", "")).Value
			id, _ := splitID(start)
			aLoaded, bLoaded := make(chan struct{}), make(chan struct{})
			aFinish, bFinish := make(chan struct{}), make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); do(t, hold(a, aLoaded, aFinish), "/?onlyA=1&shared=A&gone=A", start) }()
			go func() { defer wg.Done(); do(t, hold(b, bLoaded, bFinish), "/?onlyB=1&shared=B&gone=-", start) }()
			testutil.Receive(t, aLoaded, "node1's request loaded the session")
			testutil.Receive(t, bLoaded, "node2's request loaded the session") // both changed the same stored version
			close(aFinish)
			waitVersion(t, st, id, 2) // a saved first
			close(bFinish)
			wg.Wait()
			d, err := st.Load(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k, v := range d.Values {
				var s string
				json.Unmarshal(v, &s)
				got[k] = s
			}
			want := map[string]string{"base": "0", "onlyA": "1", "onlyB": "1", "shared": "B"}
			if len(got) != len(want) || d.Version != 3 {
				t.Fatalf("merged session %v (version %d), want %v (version 3)", got, d.Version, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("merged session %v, want %v", got, want)
				}
			}
		})
	}
}
