package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/config"
	"balancer/internal/testutil"
)

// storedOverlay reads the overlay record as the store holds it.
func storedOverlay(t testing.TB, c *redis.Client) (overlayDoc, bool) {
	t.Helper()
	b, err := c.Get(context.Background(), "t:c:overlay").Bytes()
	if err != nil {
		return overlayDoc{}, false
	}
	var d overlayDoc
	if json.Unmarshal(b, &d) != nil {
		return overlayDoc{}, false
	}
	return d, true
}

func hasDrain(edits []config.Edit) bool {
	for _, e := range edits {
		if e.Member == "http://m2" && e.Key == "status" && fmt.Sprint(e.Value) == "[drain]" {
			return true
		}
	}
	return false
}

func hasEdit(edits []config.Edit, member, key string) bool {
	for _, e := range edits {
		if e.Member == member && e.Key == key {
			return true
		}
	}
	return false
}

// versionOf is the overlay version s last applied or wrote.
func versionOf(s *Store) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// TestStoreLossKeepsEdits: whatever way Redis loses the shared record, the
// replicas keep their edits, write them back under a higher version, and
// rewrite their sticky tables; no replica ever applies an overlay without
// the drain once it had it.
func TestStoreLossKeepsEdits(t *testing.T) {
	cases := []struct {
		name string
		lose func(t *testing.T, rd *testutil.Redis, c *redis.Client)
	}{
		{"restart without persistence", func(t *testing.T, rd *testutil.Redis, c *redis.Client) { rd.Restart() }},
		{"FLUSHALL", func(t *testing.T, rd *testutil.Redis, c *redis.Client) {
			if err := c.FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage record", func(t *testing.T, rd *testutil.Redis, c *redis.Client) {
			c.Set(context.Background(), "t:c:overlay", "\x00not json", 0)
		}},
		{"record of another type", func(t *testing.T, rd *testutil.Redis, c *redis.Client) {
			c.Del(context.Background(), "t:c:overlay")
			c.HSet(context.Background(), "t:c:overlay", "version", "9")
		}},
		{"older record", func(t *testing.T, rd *testutil.Redis, c *redis.Client) {
			c.Set(context.Background(), "t:c:overlay", `{"version":1,"edits":[]}`, 0)
		}},
		// Another replica edited the emptied store first, up to a version
		// above this one's: its record lacks the drain.
		{"newer record rebuilt after a loss", func(t *testing.T, rd *testutil.Redis, c *redis.Client) {
			c.Set(context.Background(), "t:c:overlay", `{"version":50,"edits":[{"balancer":"b","member":"http://m3","key":"lbset","value":1}]}`, 0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd := testutil.StartRedis(t)
			c := redis.NewClient(&redis.Options{Addr: rd.Addr})
			defer c.Close()
			a, ra := newStore(t, rd.Addr)
			b, rb := newStore(t, rd.Addr)
			// A moved session, in A's local table and in the store.
			exp := time.Now().Add(time.Hour)
			ra.mu.Lock()
			ra.local = []sessionWrite{{"b", "moved", "sid-a", "node1", exp.UnixMilli()}}
			ra.mu.Unlock()
			a.PutSession("b", "moved", "sid-a", "node1", exp)
			// Two edits, so that the version is above the "older" record's.
			if err := a.SaveEdits([]config.Edit{{Balancer: "b", Member: "http://m1", Key: "loadfactor", Value: 3}}); err != nil {
				t.Fatal(err)
			}
			if err := a.SaveEdits([]config.Edit{{Balancer: "b", Member: "http://m2", Key: "status", Value: []any{"drain"}}}); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, "B has the drain", func() bool { return hasDrain(rb.edits()) })
			testutil.Eventually(t, "the session is in the store", func() bool {
				return c.Exists(context.Background(), "t:c:s:moved:b:sid-a").Val() == 1
			})
			before, _ := storedOverlay(t, c)

			tc.lose(t, rd, c)

			var last overlayDoc
			defer func() {
				if t.Failed() {
					t.Logf("record before the loss %+v, last read %+v; A at version %d (lost %d), B at %d (lost %d)",
						before, last, versionOf(a), a.Stats().LostState, versionOf(b), b.Stats().LostState)
				}
			}()
			testutil.Eventually(t, "the record is written back with the drain under a higher version", func() bool {
				d, ok := storedOverlay(t, c)
				last = d
				return ok && d.Version > before.Version && hasDrain(d.Edits) && hasEdit(d.Edits, "http://m1", "loadfactor")
			})
			testutil.Eventually(t, "the sticky table is written back", func() bool {
				return c.Get(context.Background(), "t:c:s:moved:b:sid-a").Val() == "node1"
			})
			if a.Stats().LostState+b.Stats().LostState == 0 {
				t.Error("the loss was not counted")
			}
			// The other replica adopts the written-back record; it never
			// applied an overlay without the drain after having it.
			testutil.Eventually(t, "B converges", func() bool { return hasDrain(rb.edits()) })
			rb.mu.Lock()
			defer rb.mu.Unlock()
			had := false
			for _, h := range rb.history {
				if had && !hasDrain(h) {
					t.Fatalf("replica B applied an overlay without the drain: %v", h)
				}
				had = had || hasDrain(h)
			}
		})
	}
}

// TestConflictingReplicasMergeByVersion: a record of the same version as a
// replica's but with other edits (a failover that kept another replica's
// write) is merged, not adopted blindly: both edits survive, under a
// higher version, on both replicas.
func TestConflictingReplicasMergeByVersion(t *testing.T) {
	rd := testutil.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	a, ra := newStore(t, rd.Addr)
	_, rb := newStore(t, rd.Addr)
	drain := config.Edit{Balancer: "b", Member: "http://m2", Key: "status", Value: []any{"drain"}}
	if err := a.SaveEdits([]config.Edit{drain}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "B has the drain", func() bool { return hasDrain(rb.edits()) })
	d, _ := storedOverlay(t, c)
	// Another write of the same version that lacks the drain.
	other, _ := json.Marshal(overlayDoc{Version: d.Version, Edits: []config.Edit{{Balancer: "b", Member: "http://m1", Key: "loadfactor", Value: 7}}})
	c.Set(context.Background(), "t:c:overlay", other, 0)
	testutil.Eventually(t, "both edits on both replicas", func() bool {
		for _, e := range [][]config.Edit{ra.edits(), rb.edits()} {
			if len(e) != 2 || !hasDrain(e) {
				return false
			}
		}
		return true
	})
	if n, _ := storedOverlay(t, c); n.Version <= d.Version {
		t.Fatalf("merged record has version %d, want above %d", n.Version, d.Version)
	}
}

// TestWriteBackGoesAboveWhatTheStoreHad: a replica whose own edits are in
// the store but not yet applied by it (its next check would adopt them)
// writes them back after a loss under a version above the lost record's,
// never the same one. The store is not started: the test runs its checks.
func TestWriteBackGoesAboveWhatTheStoreHad(t *testing.T) {
	for _, lose := range []string{"garbage record", "FLUSHALL", "older record"} {
		t.Run(lose, func(t *testing.T) {
			rd := testutil.StartRedis(t)
			c := redis.NewClient(&redis.Options{Addr: rd.Addr})
			defer c.Close()
			a := New(Options{Redis: &config.Redis{Addr: rd.Addr, KeyPrefix: "t:"}, Cluster: "c"})
			defer a.Close()
			ctx := context.Background()
			a.check(ctx) // creates the empty record, version 1, and applies it
			for _, e := range []config.Edit{
				{Balancer: "b", Member: "http://m1", Key: "loadfactor", Value: 3},
				{Balancer: "b", Member: "http://m2", Key: "status", Value: []any{"drain"}},
			} {
				if err := a.SaveEdits([]config.Edit{e}); err != nil {
					t.Fatal(err)
				}
			}
			before, ok := storedOverlay(t, c)
			if !ok || versionOf(a) >= before.Version {
				t.Fatalf("record %+v, replica at version %d: want the record ahead", before, versionOf(a))
			}
			switch lose {
			case "FLUSHALL":
				c.FlushAll(ctx)
			case "older record": // at the version the replica applied
				c.Set(ctx, "t:c:overlay", `{"version":1,"edits":[]}`, 0)
			default:
				c.Set(ctx, "t:c:overlay", "\x00not json", 0)
			}
			a.check(ctx)
			after, ok := storedOverlay(t, c)
			if !ok || after.Version <= before.Version || !hasDrain(after.Edits) || !hasEdit(after.Edits, "http://m1", "loadfactor") {
				t.Fatalf("record before the loss %+v, written back %+v: want both edits above version %d", before, after, before.Version)
			}
			if a.Stats().LostState == 0 {
				t.Error("the loss was not counted")
			}
		})
	}
}

// TestRebuiltRecordKeepsAnEditItReverted: replica A edits a target, and
// the store loses that record before replica B has read it; B writes its
// older record back under the same version, with the target at its value
// before A's edit. A must not adopt the revert: it recognises a record at
// the version it wrote that is not the one it wrote, and puts its edit
// back above it, which B then adopts. The stores are not started: the
// test runs their checks, in the order that makes the loss.
func TestRebuiltRecordKeepsAnEditItReverted(t *testing.T) {
	rd := testutil.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	newPair := func() *Store {
		s := New(Options{Redis: &config.Redis{Addr: rd.Addr, KeyPrefix: "t:"}, Cluster: "c"})
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := newPair(), newPair()
	ctx := context.Background()
	weight := func(v int) config.Edit {
		return config.Edit{Balancer: "b", Member: "http://m1", Key: "loadfactor", Value: v}
	}
	weightOf := func(edits []config.Edit) string {
		for _, e := range edits {
			if e.Member == "http://m1" && e.Key == "loadfactor" {
				return fmt.Sprint(e.Value)
			}
		}
		return "none"
	}
	a.check(ctx)
	if err := a.SaveEdits([]config.Edit{weight(1)}); err != nil {
		t.Fatal(err)
	}
	a.check(ctx)
	b.check(ctx) // B has the weight at 1
	if err := a.SaveEdits([]config.Edit{weight(2)}); err != nil {
		t.Fatal(err)
	}
	lost, _ := storedOverlay(t, c)
	c.FlushAll(ctx)
	b.check(ctx) // B writes back its record, the weight at 1, under A's version
	if d, _ := storedOverlay(t, c); d.Version != lost.Version || weightOf(d.Edits) != "1" {
		t.Fatalf("B wrote back %+v; the test wants the weight at 1 under version %d", d, lost.Version)
	}
	a.check(ctx)
	d, _ := storedOverlay(t, c)
	if d.Version <= lost.Version || weightOf(d.Edits) != "2" {
		t.Fatalf("after A's check the store holds %+v: want the weight at 2 above version %d", d, lost.Version)
	}
	if a.Stats().LostState == 0 {
		t.Error("A did not count the loss")
	}
	b.check(ctx)
	b.mu.Lock()
	got := weightOf(b.edits)
	b.mu.Unlock()
	if got != "2" {
		t.Errorf("B's weight is %s after its next check, want 2", got)
	}
}
