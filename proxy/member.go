package proxy

import (
	"net/url"
	"time"

	"balancer/config"
	"balancer/lbmethod"
)

// Member is one member as configured in a snapshot, bound to its
// long-lived state. Its configured fields never change; a manager edit
// builds a new snapshot.
type Member struct {
	URL      string
	Route    string
	Redirect string
	// lbfactor is loadfactor × 100 (httpd's lbfactor).
	lbfactor int64
	lbset    int
	admin    uint32 // admin flags
	retry    time.Duration
	connTO   time.Duration
	timeout  time.Duration
	tryTO    time.Duration
	slow     time.Duration
	max      int64
	maxQueue int64
	queueTO  time.Duration

	// scheme, host (for Host when absent) and path prefix of the member URL.
	https bool
	host  string
	path  string

	idx int // index in the balancer's member slice
	cfg *config.Member
	st  *memberState
}

var _ lbmethod.Member = (*Member)(nil)

func newMember(b *config.Balancer, m *config.Member, st *memberState) *Member {
	u, _ := url.Parse(m.URL) // validated by config
	flags, _ := ParseFlags(m.Status)
	mem := &Member{
		URL:      m.URL,
		Route:    m.Route,
		Redirect: m.Redirect,
		lbfactor: int64(m.LoadFactor*100 + 0.5),
		lbset:    m.LBSet,
		admin:    flags,
		retry:    m.RetryTime(),
		connTO:   m.ConnectionTimeout.D(),
		timeout:  m.Timeout.D(),
		tryTO:    m.TryTimeout.D(),
		slow:     m.SlowStart.D(),
		max:      int64(m.Max),
		maxQueue: int64(m.MaxQueue),
		queueTO:  m.QueueTimeout.D(),
		https:    u.Scheme == "https",
		host:     u.Host,
		path:     trimSlash(u.EscapedPath()),
		cfg:      m,
		st:       st,
	}
	if mem.lbfactor < 1 {
		mem.lbfactor = 1
	}
	if mem.tryTO == 0 {
		mem.tryTO = b.TryTimeout.D()
	}
	if mem.connTO == 0 {
		mem.connTO = mem.timeout
	}
	return mem
}

func trimSlash(p string) string {
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// Sched implements lbmethod.Member.
func (m *Member) Sched() *lbmethod.Sched { return &m.st.sched }

// LBSet implements lbmethod.Member.
func (m *Member) LBSet() int { return m.lbset }

// Standby implements lbmethod.Member.
func (m *Member) Standby() bool { return m.admin&FlagHotStandby != 0 }

// Factor implements lbmethod.Member: lbfactor, ramped up linearly during
// slow start after the member recovered.
func (m *Member) Factor() int64 {
	if m.slow <= 0 {
		return m.lbfactor
	}
	rec := m.st.recoveredAt.Load()
	if rec == 0 {
		return m.lbfactor
	}
	el := m.st.now().UnixNano() - rec
	if el >= int64(m.slow) {
		return m.lbfactor
	}
	// Start at 1/10 of the weight so a recovering member is not starved.
	f := m.lbfactor/10 + (m.lbfactor-m.lbfactor/10)*el/int64(m.slow)
	if f < 1 {
		f = 1
	}
	return f
}

// Until implements lbmethod.Timed: the next time Usable or Factor change
// without a report, 0 for none. A member in error becomes usable when its
// retry period runs out; a member in slow start gains weight in steps of
// Factor's integer arithmetic, up to lbfactor at the end of slowstart.
func (m *Member) Until(now int64) int64 {
	var at int64
	if m.admin&FlagIgnoreErrors == 0 && m.st.flags.Load()&FlagError != 0 {
		if u := m.st.errorUntil.Load(); u > now {
			at = u
		}
	}
	if s := m.slowStep(now); s > 0 && (at == 0 || s < at) {
		at = s
	}
	return at
}

// slowStep is when Factor next changes during slow start, 0 when it will
// not. Factor is lbfactor/10 + d×el/slow (integer division, d = lbfactor -
// lbfactor/10, el the time since recovery): it steps up at the first el
// where d×el reaches the next multiple of slow.
func (m *Member) slowStep(now int64) int64 {
	rec := m.st.recoveredAt.Load()
	if m.slow <= 0 || rec == 0 {
		return 0
	}
	el, slow := now-rec, int64(m.slow)
	switch {
	case el >= slow:
		return 0
	case el < 0:
		return rec // the clock went back: read again at recovery time
	}
	d := m.lbfactor - m.lbfactor/10
	k := d * el / slow
	next := ((k+1)*slow + d - 1) / d // the least el with d×el/slow > k
	return rec + min(next, slow)
}

// Usable reports whether the member may serve requests at all: not
// disabled, stopped, failed by its health check, or in error (unless its
// retry time elapsed). A draining member is usable.
func (m *Member) Usable() bool {
	if m.admin&(FlagDisabled|FlagStopped) != 0 {
		return false
	}
	if m.admin&FlagIgnoreErrors != 0 {
		return true
	}
	f := m.st.flags.Load()
	if f&FlagHealthFailed != 0 {
		return false
	}
	if f&FlagError != 0 && m.st.now().UnixNano() < m.st.errorUntil.Load() {
		return false
	}
	return true
}

// Eligible implements lbmethod.Member: usable, not draining, not full.
func (m *Member) Eligible() bool {
	if m.admin&FlagDrain != 0 {
		return false
	}
	if m.max > 0 && m.st.sched.Busy.Load() >= m.max {
		return false
	}
	return m.Usable()
}

// Flags returns admin and runtime flags together.
func (m *Member) Flags() uint32 {
	f := m.admin | m.st.flags.Load()
	if f&FlagError != 0 && m.st.now().UnixNano() >= m.st.errorUntil.Load() {
		// retry time elapsed: shown as usable until the next failure.
		f &^= FlagError
	}
	return f
}

// LoadFactor is the configured loadfactor.
func (m *Member) LoadFactor() float64 { return float64(m.lbfactor) / 100 }
