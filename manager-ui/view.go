package managerui

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"balancer/config"
)

// adminFlags are the status flags an operator sets, in the page's order.
var adminFlags = []string{config.StatusDisabled, config.StatusStopped, config.StatusDrain,
	config.StatusHotStandby, config.StatusIgnoreErrors}

// lbMethods are the choices of the balancer form.
var lbMethods = config.LBMethods()

// flagInfo explains each status flag on the page. A disabled member is
// stopped for the runtime too (proxy's Member.Usable): neither takes a
// request, sticky or not.
var flagInfo = map[string]struct{ class, title string }{
	config.StatusDisabled:     {"off", "Disabled: takes no requests; its sticky sessions go to its redirect or fail over"},
	config.StatusStopped:      {"bad", "Stopped: takes no requests at all"},
	config.StatusDrain:        {"warn", "Draining: only requests of sessions already on it"},
	config.StatusHotStandby:   {"info", "Hot standby: used only when no other member of its set is usable"},
	config.StatusIgnoreErrors: {"info", "Ignore errors: always considered usable"},
	config.StatusError:        {"bad", "In error: skipped until its retry time"},
	config.StatusHealthFailed: {"bad", "Failed its health check"},
}

// pageView is what the page template renders.
type pageView struct {
	Base     string // the path the assets and the API hang under
	Page     string // the page's URL path
	Nonce    string
	Info     Info
	Uptime   string
	User     string
	CanEdit  bool
	ReadOnly string // why edits are off, when they are
	Demo     bool
	// Forms and Actions say whether to render the edit forms and the
	// actions column; the live refresh (?live=1) skips both, since it
	// only swaps the data cells.
	Forms, Actions bool
	Flash          string
	Error          string
	Window         string // the span the charts cover
	LBMethods      []string
	Flags          []string
	Balancers      []balancerView
}

// balancerView is one balancer on the page.
type balancerView struct {
	Balancer
	ID      string
	Shape   string // changes when members are added or removed
	Elected int64
	Rate    float64
	Basis   string // what the spread bar shows
	Spread  []segment
	Members []memberView
}

// memberView is one member row: the member as the Backend read it (not
// a copy of it) and what only the page shows.
type memberView struct {
	*Member
	ID       string
	Color    string
	Tone     string // row colour: ok, warn, bad, off
	Badges   []badge
	Share    float64 // of all the balancer's requests since start
	Spread   float64 // of the traffic the spread bar shows
	Rate     float64
	Chart    chart
	Draining bool
	Others   []string // the other routes, for the redirect choice
}

// badge is one status label.
type badge struct{ Text, Class, Title string }

// colors is the number of member colour classes in the stylesheet.
const colors = 8

// buildView assembles the page for bs.
func (m *Manager) buildView(bs []Balancer, now time.Time) []balancerView {
	every := m.sampler.Every()
	slots := m.sampler.History()
	k := max(1, int(30*time.Second/every)) // the "now" rate averages ~30s
	out := make([]balancerView, 0, len(bs))
	for bi, b := range bs {
		bv := balancerView{Balancer: b, ID: "b" + strconv.Itoa(bi)}
		urls := make([]string, 0, len(b.Members))
		routes := make([]string, 0, len(b.Members))
		rates := make([][]float64, len(b.Members))
		peak := 0.0
		for i, mb := range b.Members {
			urls = append(urls, mb.URL)
			if mb.Route != "" {
				routes = append(routes, mb.Route)
			}
			bv.Elected += mb.Elected
			rates[i] = m.sampler.Rates(b.Name, mb.URL)
			for _, r := range rates[i] {
				if !math.IsNaN(r) {
					peak = max(peak, r)
				}
			}
		}
		bv.Shape = strings.Join(urls, " ")
		shares, recentShares := make([]float64, len(b.Members)), make([]float64, len(b.Members))
		cls, titles := make([]string, len(b.Members)), make([]string, len(b.Members))
		for i := range b.Members {
			mb := &b.Members[i]
			mv := memberView{Member: mb, ID: bv.ID + "-m" + strconv.Itoa(i), Color: "c" + strconv.Itoa(i%colors)}
			mv.Rate, _ = recent(rates[i], k)
			bv.Rate += mv.Rate
			if bv.Elected > 0 {
				mv.Share = float64(mb.Elected) / float64(bv.Elected)
			}
			shares[i], recentShares[i] = mv.Share, mv.Rate
			mv.Chart = chart{W: sparkW, H: sparkH, Bars: sparkline(rates[i], slots, peak)}
			mv.Chart.Label = chartLabel(*mb, mv.Rate, rates[i], m.window())
			mv.Badges, mv.Tone = badges(*mb)
			mv.Draining = slices.Contains(mb.Status, config.StatusDrain)
			mb.SafeToStop = SafeToStop(*mb)
			for _, r := range routes {
				if r != mb.Route {
					mv.Others = append(mv.Others, r)
				}
			}
			if mb.Redirect != "" && !slices.Contains(mv.Others, mb.Redirect) {
				mv.Others = append(mv.Others, mb.Redirect)
			}
			cls[i] = mv.Color
			titles[i] = memberName(*mb)
			bv.Members = append(bv.Members, mv)
		}
		if bv.Rate > 0 {
			bv.Basis = "now (last 30 seconds)"
			for i := range recentShares {
				recentShares[i] /= bv.Rate
				bv.Members[i].Spread = recentShares[i]
				titles[i] += ": " + percent(recentShares[i]) + " of requests now"
			}
			bv.Spread = spread(recentShares, cls, titles)
		} else if bv.Elected > 0 {
			bv.Basis = "since start (no traffic in the last 30 seconds)"
			for i := range shares {
				bv.Members[i].Spread = shares[i]
				titles[i] += ": " + percent(shares[i]) + " of requests since start"
			}
			bv.Spread = spread(shares, cls, titles)
		}
		out = append(out, bv)
	}
	return out
}

// window is the span the charts cover.
func (m *Manager) window() string {
	return humanDuration(m.sampler.Every() * time.Duration(m.sampler.History()))
}

// memberName is the route, or the URL for a member without one.
func memberName(mb Member) string {
	if mb.Route != "" {
		return mb.Route
	}
	return mb.URL
}

// chartLabel describes a sparkline for screen readers and the tooltip.
func chartLabel(mb Member, now float64, rates []float64, window string) string {
	peak := 0.0
	for _, r := range rates {
		if !math.IsNaN(r) {
			peak = max(peak, r)
		}
	}
	if len(rates) == 0 {
		return "Requests per second of " + memberName(mb) + ": not sampled yet"
	}
	return "Requests per second of " + memberName(mb) + " over the last " + window +
		": " + humanRate(now) + " now, peak " + humanRate(peak)
}

// rank orders tones: a row takes the gravest of its badges'.
var rank = map[string]int{"ok": 0, "info": 1, "warn": 2, "off": 3, "bad": 4}

// badges lists a member's status labels and the row's tone.
func badges(mb Member) ([]badge, string) {
	var out []badge
	tone := "ok"
	for _, f := range mb.Status {
		fi, ok := flagInfo[f]
		if !ok {
			fi.class, fi.title = "info", f
		}
		out = append(out, badge{Text: f, Class: fi.class, Title: fi.title})
		if rank[fi.class] > rank[tone] {
			tone = fi.class
		}
	}
	if mb.Health.State == "failed" && !slices.Contains(mb.Status, config.StatusHealthFailed) {
		out = append(out, badge{Text: config.StatusHealthFailed, Class: "bad", Title: flagInfo[config.StatusHealthFailed].title})
		tone = "bad"
	}
	if mb.Usable && len(out) == 0 {
		out = append(out, badge{Text: "ok", Class: "ok", Title: "Usable: takes new sessions"})
	}
	if !mb.Usable && tone == "ok" {
		tone = "off"
	}
	if tone == "info" {
		tone = "ok"
	}
	return out, tone
}

// SafeToStop reports whether a member may be stopped without cutting off
// anyone: it is draining (or already refuses new sessions), no sticky
// session reached it within the sessions window, and nothing is in flight.
func SafeToStop(mb Member) bool {
	out := slices.Contains(mb.Status, config.StatusDrain) || slices.Contains(mb.Status, config.StatusDisabled) ||
		slices.Contains(mb.Status, config.StatusStopped)
	if e := mb.Elsewhere; e != nil && (!e.Known || e.Sessions > 0 || e.Busy > 0) {
		return false
	}
	return out && mb.Sessions == 0 && mb.Busy == 0
}
