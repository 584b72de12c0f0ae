package proxy

// prune forgets the members and balancers that snap, now in force, no
// longer has (removed by a reload or through the manager). Their idle
// connections are closed at once; a request still in flight on an older
// snapshot finishes normally, and its connection is closed once idle for
// idleConn, when fasthttp's cleaner goroutine for the pool ends too.
// Nothing refers to the state afterwards: /metrics and the page read the
// snapshot, health checks are keyed by member and stopped by their
// checker, and a reported check for a forgotten key is ignored.
func (s *states) prune(snap *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := make(map[string]bool, len(s.members))
	for _, b := range snap.Balancers {
		for _, m := range b.members {
			keep[memberKey(b.Name, m.URL)] = true
		}
	}
	for k, st := range s.members {
		if !keep[k] {
			delete(s.members, k)
			st.hc.Load().CloseIdleConnections()
		}
	}
	for name := range s.balancers {
		if snap.byName[name] == nil {
			delete(s.balancers, name)
		}
	}
}
