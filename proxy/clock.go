package proxy

import "time"

// clock tells the time of the runtime's state machine: a member's error
// and retry time, slow start and recovery, the lifetimes of the session
// tables, the balancer timeout's wait, the manager's view. It is given
// once (Options.Clock) so that tests can move time on instead of waiting
// for it. Deadlines on sockets and the durations measured for metrics
// stay on the real time: the kernel and the observers know no other.
type clock func() time.Time

// now is the clock's time; a nil clock is time.Now.
func (c clock) now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
