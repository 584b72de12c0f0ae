// Package managerui is the balancer-manager: the HTML page, its JSON API
// and the /metrics and /healthz endpoints on the manager listener. It
// declares the narrow Backend it needs; the runtime implements it.
package managerui

import (
	"time"

	"balancer/config"
)

// Backend is what the manager needs of the running balancer.
type Backend interface {
	// Balancers returns the current state of every balancer, in
	// configuration order. The result is a fresh copy the caller owns.
	Balancers() []Balancer
	// Apply validates and applies edits atomically: all or none. An edit
	// takes effect on the very next request. Errors are meant for the
	// operator (e.g. `balancers[0].members[1].loadfactor: must be between
	// 1 and 100, got 0`).
	Apply(edits []config.Edit) error
	// Info describes the process for the page header.
	Info() Info
}

// DemoControl is implemented by a Backend that runs the demo's app nodes
// (balancer demo): with Info.Demo set, each member row gets Stop node and
// Start node buttons.
type DemoControl interface {
	// SetNodeRunning stops or starts the app node serving route.
	SetNodeRunning(route string, running bool) error
}

// Info describes the running balancer.
type Info struct {
	Version string    `json:"version"`
	Started time.Time `json:"started"`
	// Persist tells whether edits are written back to the configuration file.
	Persist bool   `json:"persist"`
	File    string `json:"file"`
	// Store describes the shared store ("local" or "redis: connected" …).
	Store string `json:"store"`
	// Demo enables the app-node stop/start buttons (balancer demo).
	Demo bool `json:"demo"`
	// Reload is the outcome of the last configuration reload.
	Reload ReloadStatus `json:"reload"`
}

// ReloadStatus is the outcome of the last configuration reload (SIGHUP,
// or a change of the file with watch: true).
type ReloadStatus struct {
	// At is when it ran; nil when the file was not reloaded since start.
	At *time.Time `json:"at,omitempty"`
	// OK is false when the reload was refused: the configuration that
	// ran before it still runs, all of it.
	OK bool `json:"ok"`
	// Error says why it was refused, one "file:line: field: reason" a
	// line.
	Error string `json:"error,omitempty"`
}

// Balancer is one balancer as the page and the JSON API show it.
type Balancer struct {
	Name             string   `json:"name"`
	LBMethod         string   `json:"lbmethod"`
	StickySession    string   `json:"stickysession"`
	StickySessionSep string   `json:"stickysessionsep"`
	StickyMode       string   `json:"stickymode"`
	NoFailover       bool     `json:"nofailover"`
	Timeout          string   `json:"timeout"`
	TryTimeout       string   `json:"trytimeout"`
	MaxAttempts      int      `json:"maxattempts"`
	ForceRecovery    bool     `json:"forcerecovery"`
	FailOnStatus     []int    `json:"failonstatus"`
	Paths            []string `json:"paths"`
	Failovers        int64    `json:"failovers"`
	Retries          int64    `json:"retries"`
	StickyHits       int64    `json:"stickyhits"`
	StickyMisses     int64    `json:"stickymisses"`
	// MovedSessions is the size of the moved-session table.
	MovedSessions int      `json:"movedsessions"`
	Members       []Member `json:"members"`
}

// Member is one member as the page and the JSON API show it.
type Member struct {
	Route      string   `json:"route"`
	URL        string   `json:"url"`
	Redirect   string   `json:"redirect"`
	LoadFactor float64  `json:"loadfactor"`
	LBSet      int      `json:"lbset"`
	Status     []string `json:"status"`
	// Usable is false while the member takes no requests at all.
	Usable bool `json:"usable"`
	// Elected counts requests sent to the member.
	Elected int64 `json:"elected"`
	// Busy counts requests in flight to it.
	Busy int64 `json:"busy"`
	// Transferred and Read count bytes to and from the member.
	Transferred int64 `json:"transferred"`
	Read        int64 `json:"read"`
	Errors      int64 `json:"errors"`
	// LBStatus is httpd's "Load" column.
	LBStatus  int64  `json:"lbstatus"`
	LastError string `json:"lasterror,omitempty"`
	// ErrorUntil is when a member in error will be tried again.
	ErrorUntil *time.Time `json:"erroruntil,omitempty"`
	// Sessions counts distinct sticky sessions it served recently
	// (SessionsWindow).
	Sessions       int    `json:"sessions"`
	SessionsWindow string `json:"sessionswindow"`
	// LastSession is when a sticky request last reached it (zero: never).
	LastSession *time.Time `json:"lastsession,omitempty"`
	Health      Health     `json:"health"`
	// Elsewhere is what the other replicas sharing the store report of
	// the member; nil without a shared store.
	Elsewhere *Elsewhere `json:"elsewhere,omitempty"`
	// SafeToStop is computed by the manager, not the Backend: the member
	// takes no new sessions (drain, disabled or stopped), no sticky
	// session reached it within SessionsWindow and nothing is in flight,
	// through this replica or, with a shared store, any other.
	SafeToStop bool `json:"safetostop"`
}

// Elsewhere sums the other replicas' reports of a member.
type Elsewhere struct {
	// Known is false while the shared store is unreachable: nothing is
	// then known of the other replicas, and no member is safe to stop.
	Known bool `json:"known"`
	// Replicas counts the other replicas heard from in the last seconds.
	Replicas int `json:"replicas"`
	// Sessions and Busy are their sessions held by the member and their
	// requests in flight to it.
	Sessions int   `json:"sessions"`
	Busy     int64 `json:"busy"`
}

// Health is a member's active health-check state.
type Health struct {
	// State is "unchecked" (no health check configured), "healthy" or "failed".
	State   string     `json:"state"`
	Checked *time.Time `json:"checked,omitempty"`
	Status  int        `json:"status,omitempty"`
	Error   string     `json:"error,omitempty"`
}
