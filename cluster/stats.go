package cluster

import "sync/atomic"

// Stats are the store's counters since it started, for /metrics.
type Stats struct {
	// Writes counts sticky table entries written to Redis.
	Writes int64
	// WriteErrors counts writes Redis refused or did not answer in time.
	WriteErrors int64
	// Dropped counts entries not written, by reason: "budget" (over the
	// per-second write budget), "queue" (the writer was behind) and
	// "unreachable" (Redis was down; the entry stays local).
	DroppedBudget, DroppedQueue, DroppedUnreachable int64
	// Lookups counts learned-table misses the request path asked Redis
	// about, by result: found, absent, failed (error or over the time
	// budget); NegativeHits were answered by the negative cache and
	// LookupsOverBudget were not asked (over the per-second budget).
	LookupsFound, LookupsAbsent, LookupsFailed int64
	NegativeHits, LookupsOverBudget            int64
	// LostState counts the times the store was found without this
	// replica's state (record missing, older or unreadable), and
	// Reannounced the sticky entries written back after such a loss.
	LostState, Reannounced int64
}

type counters struct {
	writes, writeErrors                                atomic.Int64
	dropBudget, dropQueue, dropDown                    atomic.Int64
	found, absent, failed, negative, lookupsOverBudget atomic.Int64
	lost, reannounced                                  atomic.Int64
}

// Stats returns a copy of the store's counters.
func (s *Store) Stats() Stats {
	c := &s.c
	return Stats{
		Writes: c.writes.Load(), WriteErrors: c.writeErrors.Load(),
		DroppedBudget: c.dropBudget.Load(), DroppedQueue: c.dropQueue.Load(), DroppedUnreachable: c.dropDown.Load(),
		LookupsFound: c.found.Load(), LookupsAbsent: c.absent.Load(), LookupsFailed: c.failed.Load(),
		NegativeHits: c.negative.Load(), LookupsOverBudget: c.lookupsOverBudget.Load(),
		LostState: c.lost.Load(), Reannounced: c.reannounced.Load(),
	}
}
