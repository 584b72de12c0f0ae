package cluster

import (
	"sync"
	"time"
)

// budget is a per-second allowance (a token bucket refilled continuously,
// holding at most one second's worth): what client input can make the
// store do is bounded by it, whatever the request rate.
type budget struct {
	mu     sync.Mutex
	rate   float64 // tokens per second; 0 or less: unlimited
	tokens float64
	last   int64 // unix ns of the last refill
}

func newBudget(perSecond int) *budget {
	return &budget{rate: float64(perSecond), tokens: float64(perSecond), last: time.Now().UnixNano()}
}

// take spends one token when there is one. It does not allocate.
func (b *budget) take() bool {
	if b.rate <= 0 {
		return true
	}
	now := time.Now().UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now - b.last; d > 0 {
		b.tokens = min(b.rate, b.tokens+float64(d)*b.rate/1e9)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
