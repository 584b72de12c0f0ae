package lbmethod

// Timed is implemented by members whose Eligible, Usable or Factor change
// by themselves at a time known in advance: a member in error becomes
// usable when its retry period runs out, a member in slow start gains
// weight in steps. IndexedByRequests, which reads a member again only
// when told, asks Until after each read and reads the member again once
// that time has come.
type Timed interface {
	// Until returns the first time after now at which the member's
	// Eligible, Usable or Factor may change without Changed being
	// called, or 0 when none will. A time earlier than the real change
	// is allowed (the member is read again for nothing); a later one is
	// not.
	Until(now int64) int64
}

// wake is one pending re-read of slot at time at.
type wake struct {
	at   int64
	slot int32
}

// pushWake files a re-read of slot i at time at (a min-heap by at).
func (z *lazyState) pushWake(i int32, at int64) {
	z.slots[i].wake = at
	z.wakes = append(z.wakes, wake{at, i})
	h := z.wakes
	for c := len(h) - 1; c > 0; {
		p := (c - 1) / 2
		if h[p].at <= h[c].at {
			break
		}
		h[p], h[c] = h[c], h[p]
		c = p
	}
}

// popWake removes the earliest wake.
func (z *lazyState) popWake() wake {
	h := z.wakes
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1].at < h[c].at {
			c++
		}
		if h[p].at <= h[c].at {
			break
		}
		h[p], h[c] = h[c], h[p]
		p = c
	}
	z.wakes = h
	return top
}

// due marks dirty the slots whose wake time has come; the caller has
// read the time into z.at.
func (z *lazyState) due() {
	for len(z.wakes) > 0 && z.wakes[0].at <= z.at {
		w := z.popWake()
		s := &z.slots[w.slot]
		if s.wake != w.at {
			continue // superseded by a later read
		}
		s.wake = 0
		if !s.dirty {
			s.dirty = true
			z.dirty = append(z.dirty, w.slot)
		}
	}
}
