package app

import (
	"strings"
	"time"

	"balancer/accesslog"
	"balancer/cluster"
	"balancer/config"
	managerui "balancer/manager-ui"
)

// A reload is all or nothing. Every key of the file takes effect on
// reload (README.md, "What a reload changes"); what can fail — a listener
// that cannot be opened, a certificate or an access log that cannot be
// read — is done ahead, before anything changes, and a failure leaves the
// running configuration in force, all of it, with the reason reported
// as "file:line: field: reason" in the log, on the manager page and in
// balancer_config_last_reload_successful.

// change is what a configuration needs beyond the running one, prepared
// ahead: listeners opened, certificates read, the access log opened, the
// manager and the store built.
type change struct {
	cfg, running *config.Config
	edits        []config.Edit
	listen       *listenPlan
	mgr          *managerChange
	// access is the log to switch to when accessChanged (nil: none).
	access        *accesslog.Log
	accessChanged bool
	// store is the store to switch to when storeChanged (nil: none).
	store        *cluster.Store
	storeChanged bool
}

// prepare opens and builds what cfg needs; on failure it releases what it
// opened and nothing has changed.
func (a *App) prepare(cfg, running *config.Config, edits []config.Edit) (*change, error) {
	c := &change{cfg: cfg, running: running, edits: edits}
	var err error
	// Sockets last: a socket opened on an address that is served already
	// (SO_REUSEPORT) takes a share of its connections until it is closed.
	if a.cfg == nil || a.cfg.AccessLog != cfg.AccessLog {
		c.accessChanged = true
		if cfg.AccessLog.Path != "" {
			if c.access, err = accesslog.Open(cfg.AccessLog.Path, cfg.AccessLog.Format); err != nil {
				return nil, cfg.Problem("accesslog.path", "cannot open the access log: "+err.Error())
			}
		}
	}
	if c.mgr, err = a.planManager(cfg); err != nil {
		c.abort()
		return nil, err
	}
	if c.listen, err = a.planListeners(cfg); err != nil {
		c.abort()
		return nil, err
	}
	if a.storeChanged(cfg) {
		c.storeChanged = true
		c.store = a.newStore(cfg)
	}
	return c, nil
}

// abort releases what prepare opened.
func (c *change) abort() {
	if c.listen != nil {
		c.listen.abort()
	}
	if c.mgr != nil {
		c.mgr.abort()
	}
	if c.access != nil {
		c.access.Close()
	}
	if c.store != nil {
		c.store.Close()
	}
}

// commit applies c: the runtime first, the one step that may still fail
// (and then nothing changed), then the rest, which cannot fail. It returns
// what to run once a.mu is released: starting the new store and closing
// the old one, whose goroutines may be waiting for a.mu.
func (a *App) commit(c *change) (func(), error) {
	oldStore := a.store.Load()
	if c.storeChanged {
		a.proxy.SetSync(sessionSync(c.store))
	}
	if err := a.proxy.Apply(c.running); err != nil {
		if c.storeChanged {
			a.proxy.SetSync(sessionSync(oldStore))
		}
		c.abort()
		return nil, err
	}
	a.proxy.SetLimits(&c.cfg.Limits)
	a.commitListeners(c.listen, &c.cfg.Limits)
	a.commitManager(c.mgr, c.cfg)
	var oldLog *accesslog.Log
	if c.accessChanged {
		oldLog = a.access.cur.Swap(c.access)
	}
	if c.storeChanged {
		a.store.Store(c.store)
	}
	a.cfg, a.running, a.edits = c.cfg, c.running, c.edits
	a.watch(c.cfg.Watch && c.cfg.File != "")
	a.syncHealth(c.running)
	return func() {
		if oldLog != nil {
			oldLog.Close()
		}
		if c.storeChanged {
			if c.store != nil {
				c.store.Start(storeHandler{a, c.store})
			}
			if oldStore != nil {
				oldStore.Close()
			}
		}
	}, nil
}

// summary names what a change does beyond re-applying balancers and
// routes, for the log.
func (c *change) summary(old *config.Config) string {
	var parts []string
	for _, l := range c.listen.opened {
		parts = append(parts, "listening on "+l.ln.Addr().String())
	}
	for _, l := range c.listen.closed {
		parts = append(parts, "no longer listening on "+l.ln.Addr().String())
	}
	if old.Limits != c.cfg.Limits {
		parts = append(parts, "limits")
	}
	if c.mgr.m != nil {
		parts = append(parts, "manager settings")
	}
	if c.mgr.ln != nil {
		parts = append(parts, "manager listener")
	}
	if c.accessChanged {
		parts = append(parts, "access log")
	}
	if c.storeChanged {
		parts = append(parts, "shared store")
	}
	if old.Watch != c.cfg.Watch {
		parts = append(parts, "watch")
	}
	if old.GraceTime != c.cfg.GraceTime {
		parts = append(parts, "gracetime")
	}
	return strings.Join(parts, "; ")
}

// Reload loads the configuration file again and puts it in force, all of
// it; a file that is invalid, or asks for what cannot be had (an address
// in use), is reported and the running configuration stays, all of it.
func (a *App) Reload() error {
	a.mu.Lock()
	after, err := a.reload()
	a.mu.Unlock()
	if after != nil {
		after()
	}
	return err
}

func (a *App) reload() (func(), error) {
	old := a.cfg
	c, err := a.load(old.File)
	var after func()
	if err == nil {
		after, err = a.commit(c)
	}
	now := time.Now()
	if err != nil {
		a.reloads(false)
		a.lastReload.Store(&managerui.ReloadStatus{At: &now, Error: err.Error()})
		a.log.Error("reload refused; the running configuration stays, all of it", "file", old.File, "error", err.Error())
		return nil, err
	}
	a.reloads(true)
	a.lastReload.Store(&managerui.ReloadStatus{At: &now, OK: true})
	a.log.Info("configuration reloaded", "file", old.File, "changed", c.summary(old))
	return after, nil
}

// load reads file and prepares the change to it, the manager edits
// whose target the file left alone kept.
func (a *App) load(file string) (*change, error) {
	cfg, err := config.Load(file)
	if err != nil {
		return nil, err
	}
	edits := config.KeptEdits(a.cfg, cfg, a.edits)
	running, err := config.WithEdits(cfg, edits)
	if err != nil {
		return nil, err
	}
	return a.prepare(cfg, running, edits)
}

// watch starts or stops the file watcher (watch: true).
func (a *App) watch(on bool) {
	switch {
	case on && a.stopWatch == nil:
		a.stopWatch = make(chan struct{})
		go a.watchFile(a.cfg.File, a.stopWatch)
	case !on && a.stopWatch != nil:
		close(a.stopWatch)
		a.stopWatch = nil
	}
}

// reloadStatus is the last reload's outcome for the manager.
func (a *App) reloadStatus() managerui.ReloadStatus {
	if s := a.lastReload.Load(); s != nil {
		return *s
	}
	return managerui.ReloadStatus{OK: true}
}
