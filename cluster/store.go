// Package cluster shares runtime state between balancer replicas through
// Redis: manager edits (a versioned overlay record) and the sticky tables
// (moved and learned sessions). Keys are the truth and pub/sub is only a
// hint: every (re)subscription re-reads the keys, so a replica that missed
// messages converges. When Redis goes away the replicas keep routing with
// what they know, and reconcile when it returns.
package cluster

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/affinity"
	"balancer/config"
)

// Handler receives state from other replicas. Calls come from the store's
// own goroutine, one at a time.
type Handler interface {
	// Overlay replaces the shared manager edits with edits (the whole set,
	// in the order they were made).
	Overlay(edits []config.Edit)
	// Session records a sticky table entry learned by another replica.
	Session(balancer, table, sid, route string, expires time.Time)
	// Sessions calls f with every live entry of the replica's shared
	// sticky tables until f returns false, so that they can be written
	// back when the store lost them.
	Sessions(f func(balancer, table, sid, route string, expires time.Time) bool)
	// Held calls f with this replica's count of every member (sessions
	// held, requests in flight), for the other replicas' drain helper.
	Held(f func(balancer, url string, c HeldCount))
}

// Store is one replica's connection to the shared state.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	budget time.Duration
	log    *slog.Logger
	origin string

	up           atomic.Bool
	writes       chan sessionWrite
	writeBudget  *budget
	lookupBudget *budget
	negative     *affinity.Table // learned-table misses Redis answered "absent"
	c            counters

	syncMu  sync.Mutex // serialises overlay checks
	pushMu  sync.Mutex // serialises pushes of edits
	mu      sync.Mutex
	version int64         // overlay version last applied or written
	edits   []config.Edit // the overlay of that version
	known   bool          // the overlay record was read or written once
	// top is the highest overlay version this replica has read from or
	// written to the store; a record it writes goes above it, so that a
	// write-back after a loss never reuses a version the lost record had
	// (this replica's own edits do not move version until it applies them).
	top      int64
	topEdits []config.Edit // the record at top, as read or written
	epoch    string        // the store's epoch last seen (checkEpoch)
	pending  []config.Edit // edits made while Redis was away
	h        Handler
	held     heldState

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Options configure a Store.
type Options struct {
	Redis   *config.Redis
	Cluster string
	Logger  *slog.Logger
}

// New connects to Redis lazily: it never fails because Redis is down.
func New(o Options) *Store {
	r := o.Redis
	uo := &redis.UniversalOptions{
		Addrs:        r.Addrs,
		MasterName:   r.MasterName,
		Username:     r.Username,
		Password:     r.Password,
		DB:           r.DB,
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		MaxRetries:   1,
		// One address with clustermode is a Cluster's configuration
		// endpoint; two or more addresses without mastername are a Cluster.
		IsClusterMode: r.ClusterMode,
	}
	if r.Addr != "" {
		uo.Addrs = append([]string{r.Addr}, uo.Addrs...)
	}
	if r.TLS {
		uo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	var id [8]byte
	rand.Read(id[:])
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	budget := r.Budget.D()
	if budget <= 0 {
		budget = 5 * time.Millisecond
	}
	return &Store{
		rdb:          redis.NewUniversalClient(uo),
		prefix:       r.KeyPrefix + o.Cluster + ":",
		budget:       budget,
		log:          log,
		origin:       hex.EncodeToString(id[:]),
		writes:       make(chan sessionWrite, 4096),
		writeBudget:  newBudget(orDefault(r.WriteRate, config.DefaultStoreRate)),
		lookupBudget: newBudget(orDefault(r.LookupRate, config.DefaultStoreRate)),
		negative:     affinity.NewTable(negativeSize, negativeTTL),
	}
}

// The negative cache remembers learned-table misses briefly: long enough
// to spare Redis a repeated made-up id, short enough that an entry another
// replica is about to announce is not hidden for long (its announcement
// lands in the local table, which is read first, anyway).
const (
	negativeSize = 10000
	negativeTTL  = 2 * time.Second
)

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Up reports whether Redis answered the last health check.
func (s *Store) Up() bool { return s.up.Load() }

// State describes the store for the manager page.
func (s *Store) State() string {
	if s.Up() {
		return "redis: connected"
	}
	return "redis: unreachable (serving from local state)"
}

// Start runs the store's goroutines until Close: the subscription, the
// health check with reconnect and resync, and the session writer.
func (s *Store) Start(h Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(3)
	go s.subscribe(ctx)
	go s.health(ctx)
	go s.writer(ctx)
}

// Close stops the goroutines and closes the connection.
func (s *Store) Close() error {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
	}
	return s.rdb.Close()
}

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// health pings Redis every second; on coming back it pushes the edits made
// meanwhile and re-reads the shared state.
func (s *Store) health(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.rdb.Ping(pctx).Err()
		cancel()
		was := s.up.Load()
		switch {
		case err == nil && !was:
			s.up.Store(true)
			s.log.Info("shared store connected", "cluster", s.prefix)
			s.flushPending(ctx)
			s.resync(ctx)
			s.shareHeld(ctx)
		case err == nil:
			s.flushPending(ctx)
			// Keys are the truth: a store that lost them (FLUSHALL, a
			// restart without persistence, a failover to a replica that
			// lagged) is found here within a second.
			s.check(ctx)
			s.shareHeld(ctx)
		case err != nil && was:
			s.up.Store(false)
			s.log.Warn("shared store unreachable; routing with local state", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resync re-reads everything the pub/sub channel may have missed.
func (s *Store) resync(ctx context.Context) {
	s.check(ctx)
	s.loadSessions(ctx)
}
