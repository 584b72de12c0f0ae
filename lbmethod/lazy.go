package lbmethod

import (
	"cmp"
	"slices"
)

// The clocks a member's lbstatus follows.
const (
	onStick = 1 << iota // usable: gains its factor on every sticky hit
	inPool              // eligible, hence usable: also gains it when its pool is chosen
)

// order is how an index files the eligible members of a pool, for the
// method that uses it; a method of another order rebuilds it.
type order uint8

const (
	// byValue: in one heap per factor, by lbstatus (byrequests).
	byValue order = iota
	// byBusy: in one heap per factor and count of requests in flight,
	// by lbstatus (bybusyness); the counts tell the index of their
	// changes (InFlight).
	byBusy
	// byTraffic: in one heap per factor, by traffic per factor
	// (bytraffic), each member's traffic as last read, a value that can
	// only have grown since.
	byTraffic
)

// clockLimit bounds the clocks so that factor × clock stays far from
// overflow; past it every lbstatus is written back and the clocks restart.
const clockLimit = 1 << 32

// slot is one member's lazy state; lbstatus = b + f × clock, the clock
// being the sum of those its kind follows.
type slot struct {
	m     Member
	sc    *Sched // m.Sched(), read once
	f     int64  // factor when last read
	b     int64
	k     int64 // byBusy: requests in flight; byTraffic: traffic per factor; as last read
	kind  uint8
	dirty bool
	pool  int32 // index in lazyState.pools, by lbset and standby
	group int32 // with inPool: index in lazyState.groups
	pos   int32 // with inPool: position in the group's heap
	wake  int64 // when a Timed member is due to be read again; 0 for never
}

// pool is the members of one lbset that share the standby flag: the
// candidates of a choice are the eligible members of the first pool that
// has any, pools ordered by lbset, normal before standby.
type pool struct {
	lbset   int
	standby bool
	t       int64   // choices made from the pool
	total   int64   // sum of the factors of its eligible members
	active  []int32 // its groups that have members
}

// factorGroup is the eligible members of a pool with one factor; their
// lbstatus moves together, so a heap by (b desc, position asc) keeps
// its leader on top.
type factorGroup struct {
	key  groupKey
	at   int32 // position in the pool's active list, -1 when empty
	heap []int32
}

type groupKey struct {
	pool int32
	f    int64
	busy int64 // byBusy only
}

// lazyState is the indexed methods' state, guarded by its lock.
type lazyState struct {
	order  order
	watch  watchList // byBusy: the members whose busy count changed
	first  *Member   // &ms[0] of the slice described; nil for none
	slots  []slot
	pools  []pool
	groups []factorGroup
	byKey  map[groupKey]int32
	u      int64 // sticky hits
	usable int64 // sum of the factors of the usable members
	dirty  []int32
	stale  bool  // read every member again at the next use
	limit  int64 // clockLimit unless a test lowers it

	now   func() int64 // Shared's clock for Timed members; nil for none
	at    int64        // the time read at the start of this use
	wakes []wake       // pending re-reads of Timed members, by time
	out   []int32      // slots taken out of their pool for one choice
}

// same reports whether ms is the slice the state describes.
func (z *lazyState) same(ms []Member) bool {
	if len(ms) != len(z.slots) {
		return false
	}
	return len(ms) == 0 || &ms[0] == z.first
}

// sync brings the state up to date with ms before a use.
func (z *lazyState) sync(ms []Member) {
	rebuild := z.stale || !z.same(ms)
	if z.now != nil && (rebuild || len(z.wakes) > 0) {
		z.at = z.now()
	}
	if rebuild {
		z.rebuild(ms)
		return
	}
	if z.order == byBusy {
		z.watch.take(z.refile)
	}
	if len(z.wakes) > 0 {
		z.due()
	}
	for _, i := range z.dirty {
		z.slots[i].dirty = false
		if !z.refresh(i, ms[i]) {
			z.rebuild(ms)
			return
		}
	}
	z.dirty = z.dirty[:0]
}

func (z *lazyState) mark(ms []Member, i int) {
	if z.stale || !z.same(ms) || z.slots[i].dirty {
		return // the next use reads every member, or i already
	}
	z.slots[i].dirty = true
	z.dirty = append(z.dirty, int32(i))
}

// markSched marks the slot of the member whose state is s, if the index
// holds it.
func (z *lazyState) markSched(s *Sched) {
	i := s.slot
	if z.stale || int(i) >= len(z.slots) || z.slots[i].dirty || z.slots[i].m.Sched() != s {
		return
	}
	z.slots[i].dirty = true
	z.dirty = append(z.dirty, i)
}

// checkClock restarts the clocks once one of them grows large.
func (z *lazyState) checkClock(c int64) {
	limit := z.limit
	if limit == 0 {
		limit = clockLimit
	}
	if c > limit {
		z.stale = true
	}
}

func (z *lazyState) clock(s *slot) int64 {
	var c int64
	if s.kind&inPool != 0 {
		c += z.pools[s.pool].t
	}
	if s.kind&onStick != 0 {
		c += z.u
	}
	return c
}

func (z *lazyState) groupClock(g *factorGroup) int64 {
	return z.pools[g.key.pool].t + z.u
}

func (z *lazyState) value(i int32) int64 {
	s := &z.slots[i]
	return s.b + s.f*z.clock(s)
}

// flush writes every member's lbstatus back to its Sched.
func (z *lazyState) flush() {
	for i := range z.slots {
		z.slots[i].m.Sched().LBStatus = z.value(int32(i))
	}
}

// forget drops the state without writing it back.
func (z *lazyState) forget() {
	if z.order == byBusy { // only that order watches counts
		for i := range z.slots {
			z.watch.watch(z.slots[i].sc, false)
		}
		z.watch.take(func(*Sched) {}) // clears the flags of the counters on it
	}
	clear(z.slots) // let go of the members
	z.slots, z.first, z.dirty, z.stale = z.slots[:0], nil, z.dirty[:0], false
	z.wakes = z.wakes[:0]
}

// rebuild writes the old members' lbstatus back and reads ms afresh, with
// every clock at 0 so that b is the lbstatus.
func (z *lazyState) rebuild(ms []Member) {
	z.flush()
	z.forget()
	z.u, z.usable = 0, 0
	z.pools = z.pools[:0]
	for i := range z.groups {
		z.groups[i].heap = z.groups[i].heap[:0]
	}
	z.groups = z.groups[:0]
	if z.byKey == nil {
		z.byKey = make(map[groupKey]int32)
	}
	clear(z.byKey)
	if len(ms) == 0 {
		return
	}
	z.first = &ms[0]
	z.slots = slices.Grow(z.slots, len(ms))[:len(ms)]
	for _, m := range ms {
		z.addPool(m.LBSet(), m.Standby())
	}
	for i, m := range ms {
		s := &z.slots[i]
		*s = slot{m: m, sc: m.Sched(), b: m.Sched().LBStatus, pool: z.poolOf(m.LBSet(), m.Standby())}
		m.Sched().slot = int32(i)
		if z.order == byBusy {
			z.watch.watch(s.sc, true) // before read reads the count
		}
		z.read(int32(i))
	}
}

func comparePool(p *pool, lbset int, standby bool) int {
	if c := cmp.Compare(p.lbset, lbset); c != 0 {
		return c
	}
	switch {
	case p.standby == standby:
		return 0
	case standby:
		return -1
	}
	return 1
}

func (z *lazyState) findPool(lbset int, standby bool) (int, bool) {
	return slices.BinarySearchFunc(z.pools, 0, func(p pool, _ int) int {
		return comparePool(&p, lbset, standby)
	})
}

func (z *lazyState) addPool(lbset int, standby bool) {
	if at, ok := z.findPool(lbset, standby); !ok {
		z.pools = slices.Insert(z.pools, at, pool{lbset: lbset, standby: standby})
	}
}

func (z *lazyState) poolOf(lbset int, standby bool) int32 {
	at, _ := z.findPool(lbset, standby)
	return int32(at)
}

// firstPool is the pool the next choice is made from, nil when no member
// is eligible.
func (z *lazyState) firstPool() *pool {
	if i := z.firstPoolAt(); i >= 0 {
		return &z.pools[i]
	}
	return nil
}

// firstPoolAt is firstPool's index in pools, -1 for none.
func (z *lazyState) firstPoolAt() int32 {
	for i := range z.pools {
		if len(z.pools[i].active) > 0 {
			return int32(i)
		}
	}
	return -1
}

// read takes slot i's factor and kind from its member, keeping its
// lbstatus, and files it where its kind says.
func (z *lazyState) read(i int32) {
	s := &z.slots[i]
	v := z.value(i)
	s.f, s.kind = s.m.Factor(), 0
	// An eligible member is usable (Member's contract), so Usable is
	// asked only of the others.
	switch {
	case s.m.Eligible():
		s.kind = inPool | onStick
	case s.m.Usable():
		s.kind = onStick
	}
	if s.kind&onStick != 0 {
		z.usable += s.f
	}
	s.b = v - s.f*z.clock(s)
	switch z.order {
	case byBusy:
		s.k = s.sc.Busy.Load()
	case byTraffic:
		s.k = traffic(s)
	}
	if s.kind&inPool != 0 {
		z.pools[s.pool].total += s.f
		z.insert(i)
	}
	var at int64
	if z.now != nil {
		if t, ok := s.m.(Timed); ok {
			if at = t.Until(z.at); at > 0 {
				at = max(at, z.at+1)
			}
		}
	}
	if at != s.wake { // else its wake is already filed
		s.wake = 0
		if at > 0 {
			z.pushWake(i, at)
		}
	}
}

// takeOut removes the slots of except from their pools for one choice,
// keeping their lbstatus; putBack reads them again after it.
func (z *lazyState) takeOut(except []*Sched) {
	for _, sc := range except {
		i := sc.slot
		if int(i) >= len(z.slots) || z.slots[i].m.Sched() != sc {
			continue
		}
		s := &z.slots[i]
		if s.kind&inPool == 0 {
			continue
		}
		v := z.value(i)
		z.remove(i)
		z.pools[s.pool].total -= s.f
		s.kind &^= inPool
		s.b = v - s.f*z.clock(s)
		z.out = append(z.out, i)
	}
}

// putBack returns the slots takeOut removed.
func (z *lazyState) putBack() {
	for _, i := range z.out {
		if !z.refresh(i, z.slots[i].m) {
			z.stale = true
		}
	}
	z.out = z.out[:0]
}

// refresh reads member i again after Changed; false when the member moved
// to another pool or was replaced, which needs a rebuild.
func (z *lazyState) refresh(i int32, m Member) bool {
	s := &z.slots[i]
	p := &z.pools[s.pool]
	if m != s.m || m.LBSet() != p.lbset || m.Standby() != p.standby {
		return false
	}
	if s.kind&inPool != 0 {
		z.remove(i)
		p.total -= s.f
	}
	if s.kind&onStick != 0 {
		z.usable -= s.f
	}
	z.read(i)
	return true
}

// groupOf returns the group for key, creating it empty.
func (z *lazyState) groupOf(key groupKey) int32 {
	if gi, ok := z.byKey[key]; ok {
		return gi
	}
	gi := int32(len(z.groups))
	if len(z.groups) < cap(z.groups) {
		z.groups = z.groups[:gi+1] // reuse the heap's backing array
	} else {
		z.groups = append(z.groups, factorGroup{})
	}
	g := &z.groups[gi]
	g.key, g.at, g.heap = key, -1, g.heap[:0]
	z.byKey[key] = gi
	return gi
}

func (z *lazyState) insert(i int32) {
	s := &z.slots[i]
	key := groupKey{pool: s.pool, f: s.f}
	if z.order == byBusy {
		key.busy = s.k
	}
	gi := z.groupOf(key)
	g := &z.groups[gi]
	if len(g.heap) == 0 {
		p := &z.pools[s.pool]
		g.at = int32(len(p.active))
		p.active = append(p.active, gi)
	}
	s.group, s.pos = gi, int32(len(g.heap))
	g.heap = append(g.heap, i)
	z.siftUp(g, s.pos)
}

func (z *lazyState) remove(i int32) {
	s := &z.slots[i]
	g := &z.groups[s.group]
	last := int32(len(g.heap) - 1)
	at := s.pos
	z.swap(g, at, last)
	g.heap = g.heap[:last]
	if at < last {
		z.siftDown(g, at)
		z.siftUp(g, at)
	}
	if last == 0 {
		p := &z.pools[g.key.pool]
		moved := p.active[len(p.active)-1]
		p.active[g.at] = moved
		z.groups[moved].at = g.at
		p.active = p.active[:len(p.active)-1]
		g.at = -1
	}
}

// ahead reports whether slot a leads slot b in their group: higher
// lbstatus (byTraffic: less traffic per factor), then earlier in
// configuration order.
func (z *lazyState) ahead(a, b int32) bool {
	if z.order == byTraffic {
		ka, kb := z.slots[a].k, z.slots[b].k
		return ka < kb || (ka == kb && a < b)
	}
	ba, bb := z.slots[a].b, z.slots[b].b
	return ba > bb || (ba == bb && a < b)
}

func (z *lazyState) swap(g *factorGroup, i, j int32) {
	g.heap[i], g.heap[j] = g.heap[j], g.heap[i]
	z.slots[g.heap[i]].pos = i
	z.slots[g.heap[j]].pos = j
}

func (z *lazyState) siftUp(g *factorGroup, i int32) {
	for i > 0 {
		up := (i - 1) / 2
		if !z.ahead(g.heap[i], g.heap[up]) {
			return
		}
		z.swap(g, i, up)
		i = up
	}
}

func (z *lazyState) siftDown(g *factorGroup, i int32) {
	n := int32(len(g.heap))
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && z.ahead(g.heap[c+1], g.heap[c]) {
			c++
		}
		if !z.ahead(g.heap[c], g.heap[i]) {
			return
		}
		z.swap(g, i, c)
		i = c
	}
}
