package app

import "balancer/config"

// Manager edits are an overlay on the file's configuration (config's
// overlay.go). With a shared store the overlay is the one every replica
// shares; edits made while the store is away stay local until it returns.

// Edit validates and applies manager edits: all or none, effective on the
// next request, written back to the file with manager.persist, and shared
// with the other replicas when a store is configured.
func (a *App) Edit(edits []config.Edit) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	next := config.MergeEdits(a.edits, edits)
	cfg, err := config.WithEdits(a.cfg, next)
	if err != nil {
		return err
	}
	if err := a.proxy.Apply(cfg); err != nil {
		return err
	}
	a.edits = next
	a.running = cfg
	a.syncHealth(cfg)
	a.log.Info("manager edit applied", "edits", config.DescribeEdits(edits))
	if a.cfg.Manager.Persist && a.cfg.File != "" {
		if err := a.persist(edits); err != nil {
			return err
		}
	}
	if st := a.store.Load(); st != nil {
		if err := st.SaveEdits(edits); err != nil {
			a.log.Warn("edit not yet shared", "reason", err.Error())
		}
	}
	return nil
}

// persist writes edits into the file and keeps the file's configuration in
// step, so that the overlay does not apply them twice.
func (a *App) persist(edits []config.Edit) error {
	if err := config.Persist(a.cfg.File, edits...); err != nil {
		a.log.Error("edit applied but not written to the file", "file", a.cfg.File, "error", err.Error())
		return err
	}
	if cfg, err := config.Load(a.cfg.File); err == nil {
		a.cfg = cfg
	}
	return nil
}

// Overlay implements cluster.Handler: the shared edits changed.
func (a *App) Overlay(edits []config.Edit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cfg, err := config.WithEdits(a.cfg, edits)
	if err != nil {
		a.log.Error("shared edits do not apply to this replica's configuration", "error", err.Error())
		return
	}
	if err := a.proxy.Apply(cfg); err != nil {
		a.log.Error("shared edits rejected", "error", err.Error())
		return
	}
	added := config.NewEdits(a.edits, edits)
	a.edits, a.running = edits, cfg
	a.syncHealth(cfg)
	a.log.Info("shared edits applied", "edits", len(edits))
	if a.cfg.Manager.Persist && a.cfg.File != "" && len(added) > 0 {
		_ = a.persist(added)
	}
}
