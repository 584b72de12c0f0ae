package app

import (
	"reflect"
	"time"

	"balancer/cluster"
	"balancer/config"
	"balancer/proxy"
)

// A reload that changes store (another Redis, other credentials, another
// cluster name) connects a new store and closes the old one; the replica
// then joins the new store's shared state as it does at a start. Until the
// new store answers, requests route with the local tables, as during an
// outage.

// storeChanged reports whether cfg asks for another shared store than the
// running one.
func (a *App) storeChanged(cfg *config.Config) bool {
	if a.cfg == nil {
		return cfg.Store.Redis != nil
	}
	return !reflect.DeepEqual(a.cfg.Store, cfg.Store)
}

// newStore is the store cfg configures, not yet started; nil without
// store.redis.
func (a *App) newStore(cfg *config.Config) *cluster.Store {
	if cfg.Store.Redis == nil {
		return nil
	}
	return cluster.New(cluster.Options{Redis: cfg.Store.Redis, Cluster: cfg.Store.Cluster, Logger: a.log})
}

// sessionSync is st as the proxy's SessionSync: a nil store is no sync at
// all, not a nil pointer in an interface.
func sessionSync(st *cluster.Store) proxy.SessionSync {
	if st == nil {
		return nil
	}
	return st
}

// storeHandler passes a store's news on while that store is the one in
// force: a store that a reload replaced may still deliver a message while
// it closes.
type storeHandler struct {
	a  *App
	st *cluster.Store
}

// Overlay implements cluster.Handler.
func (h storeHandler) Overlay(edits []config.Edit) {
	if h.a.store.Load() == h.st {
		h.a.Overlay(edits)
	}
}

// Session implements cluster.Handler.
func (h storeHandler) Session(balancer, table, sid, route string, expires time.Time) {
	if h.a.store.Load() == h.st {
		h.a.Session(balancer, table, sid, route, expires)
	}
}

// Sessions lists the runtime's sticky tables, for a store that lost its
// state to write them back.
func (h storeHandler) Sessions(f func(balancer, table, sid, route string, expires time.Time) bool) {
	h.a.Sessions(f)
}

// Session implements cluster.Handler: another replica learned a sticky
// table entry.
func (a *App) Session(balancer, table, sid, route string, expires time.Time) {
	a.proxy.PutRemote(balancer, table, sid, route, expires)
}

// Sessions implements cluster.Handler: the replica's shared sticky tables,
// to write back to a store that lost them.
func (a *App) Sessions(f func(balancer, table, sid, route string, expires time.Time) bool) {
	a.proxy.RangeSessions(f)
}

// Held implements cluster.Handler.
func (h storeHandler) Held(f func(balancer, url string, c cluster.HeldCount)) {
	if h.a.store.Load() == h.st {
		h.a.Held(f)
	}
}

// Held reports this replica's sessions and requests in flight per member,
// for the other replicas' drain helper.
func (a *App) Held(f func(balancer, url string, c cluster.HeldCount)) {
	for _, pb := range a.proxy.Snapshot().Balancers {
		sessions := pb.Sessions()
		for _, m := range pb.Members() {
			f(pb.Name, m.URL, cluster.HeldCount{Sessions: sessions[m.Route], Busy: m.Sched().Busy.Load()})
		}
	}
}
