package lbmethod

// isBest is one method's comparison (httpd's is_best callback): it sees
// each candidate of the current pass in order and says whether it beats
// the best so far (-1 when none yet).
type isBest interface {
	better(ms []Member, cur, best int) bool
}

// choose walks lbsets from the lowest, httpd's get_best_worker: within an
// lbset the eligible normal members are candidates; when none of them was
// chosen, the eligible hot-standby members of that lbset are. The first
// lbset that yields a member wins. The caller holds the lock.
func choose(ms []Member, cmp isBest, except []*Sched) int {
	if len(ms) == 0 {
		return -1
	}
	cur := ms[0].LBSet()
	for _, m := range ms[1:] {
		cur = min(cur, m.LBSet())
	}
	for {
		best := -1
		hasStandby, hasNext := false, false
		next := 0
		for i, m := range ms {
			s := m.LBSet()
			if s != cur {
				if s > cur && (!hasNext || s < next) {
					next, hasNext = s, true
				}
				continue
			}
			if m.Standby() {
				hasStandby = true
				continue
			}
			if m.Eligible() && !excepted(m, except) && cmp.better(ms, i, best) {
				best = i
			}
		}
		if best < 0 && hasStandby {
			for i, m := range ms {
				if m.LBSet() == cur && m.Standby() && m.Eligible() && !excepted(m, except) && cmp.better(ms, i, best) {
					best = i
				}
			}
		}
		if best >= 0 || !hasNext {
			return best
		}
		cur = next
	}
}

// excepted reports whether m's Sched is in except.
func excepted(m Member, except []*Sched) bool {
	if len(except) == 0 {
		return false
	}
	s := m.Sched()
	for _, e := range except {
		if e == s {
			return true
		}
	}
	return false
}
