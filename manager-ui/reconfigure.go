package managerui

// With returns a Manager over the same Backend with o's settings (path,
// users, read-only, pprof…), for a configuration reload. It shares m's
// traffic history and nonce key, so the charts go on and pages already
// open can still edit; m's Run keeps sampling for both.
func (m *Manager) With(o Options) (*Manager, error) {
	n, err := New(m.b, o)
	if err != nil {
		return nil, err
	}
	n.sampler = m.sampler
	n.csrf = m.csrf
	return n, nil
}
