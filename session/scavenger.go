package session

import (
	"context"
	"time"
)

// scavenge runs until Close: it drops expired and idle sessions from the
// cache and the store (Jetty's HouseKeeper), and writes the deferred saves
// of SavePeriod when they are due.
func (m *Manager) scavenge() {
	defer close(m.done)
	t := time.NewTicker(m.cfg.ScavengeEvery)
	defer t.Stop()
	var flush <-chan time.Time
	if m.cfg.Save == SavePeriod {
		// Half the period: a change waits at most 1.5 periods.
		ft := time.NewTicker(m.cfg.SavePeriod / 2)
		defer ft.Stop()
		flush = ft.C
	}
	for {
		select {
		case <-m.stop:
			return
		case now := <-flush:
			m.flushDeferred(context.Background(), now, false)
			m.cache.sweep(now)
		case now := <-t.C:
			m.scavengeOnce(context.Background(), now)
		}
	}
}

// scavengeOnce drops expired sessions from the cache and from a store that
// implements Scavenger.
func (m *Manager) scavengeOnce(ctx context.Context, now time.Time) {
	m.cache.sweep(now)
	sc, ok := m.store.(Scavenger)
	if !ok {
		return
	}
	if n, err := sc.Scavenge(ctx, now); err != nil {
		m.log.Warn("session scavenger", "worker", m.cfg.Worker, "error", err.Error())
	} else if n > 0 {
		m.log.Debug("expired sessions removed", "worker", m.cfg.Worker, "count", n)
	}
}

// flushDeferred writes the deferred saves due at now (all of them when all
// is set, on Close).
func (m *Manager) flushDeferred(ctx context.Context, now time.Time, all bool) {
	for _, s := range m.cache.waiting() {
		s.mu.Lock()
		if s.pending.Load() && (all || now.Sub(s.lastSaved) >= m.cfg.SavePeriod) {
			if s.invalid.Load() {
				m.remove(ctx, s)
			} else if err := m.save(ctx, s, now); err != nil {
				m.log.Error("session store: deferred save failed", "worker", m.cfg.Worker, "error", err.Error())
			}
		}
		s.mu.Unlock()
	}
}
