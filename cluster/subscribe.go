package cluster

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"
)

// event is one message on the events channel.
type event struct {
	Kind    string        `json:"t"` // "s" session entry, "o" overlay changed
	Origin  string        `json:"o"`
	Version int64         `json:"v,omitempty"`
	Session *sessionWrite `json:"s,omitempty"`
}

// subscribe listens to the events channel; every (re)subscription re-reads
// the shared state, since messages sent meanwhile are lost (go-redis #1070).
func (s *Store) subscribe(ctx context.Context) {
	defer s.wg.Done()
	for ctx.Err() == nil {
		ps := s.rdb.Subscribe(ctx, s.key("events"))
		ch := ps.ChannelWithSubscriptions(redis.WithChannelHealthCheckInterval(time.Second))
		s.listen(ctx, ch)
		ps.Close()
	}
}

func (s *Store) listen(ctx context.Context, ch <-chan any) {
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			switch m := m.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" {
					s.resync(ctx)
				}
			case *redis.Message:
				s.handle(ctx, m.Payload)
			}
		}
	}
}

func (s *Store) handle(ctx context.Context, payload string) {
	var e event
	if json.Unmarshal([]byte(payload), &e) != nil || e.Origin == s.origin {
		return
	}
	switch e.Kind {
	case "s":
		if w := e.Session; w != nil {
			if h := s.handler(); h != nil {
				h.Session(w.Balancer, w.Table, w.SID, w.Route, time.UnixMilli(w.Expires))
			}
		}
	case "o":
		s.mu.Lock()
		newer := e.Version > s.version
		s.mu.Unlock()
		if newer {
			s.check(ctx)
		}
	}
}
