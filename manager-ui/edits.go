package managerui

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// MemberChange is the body of POST {path}/api/balancers/{b}/members/{route}:
// the fields to change; absent fields stay as they are.
type MemberChange struct {
	LoadFactor *float64 `json:"loadfactor,omitempty"`
	LBSet      *int     `json:"lbset,omitempty"`
	// Status is the full new list of admin flags (disabled, stopped, drain,
	// hot-standby, ignore-errors); runtime states (error, health-failed)
	// are ignored so that a list read from GET can be sent back.
	Status   *[]string `json:"status,omitempty"`
	Redirect *string   `json:"redirect,omitempty"`
	Route    *string   `json:"route,omitempty"`
}

// BalancerChange is the body of POST {path}/api/balancers/{b}.
type BalancerChange struct {
	LBMethod      *string `json:"lbmethod,omitempty"`
	StickySession *string `json:"stickysession,omitempty"`
	NoFailover    *bool   `json:"nofailover,omitempty"`
	// Timeout is a Go duration ("5s"); "0s" or "" turns it off.
	Timeout     *string `json:"timeout,omitempty"`
	MaxAttempts *int    `json:"maxattempts,omitempty"`
}

// NewMember is the body of POST {path}/api/balancers/{b}/members.
type NewMember struct {
	URL        string   `json:"url"`
	Route      string   `json:"route,omitempty"`
	LoadFactor float64  `json:"loadfactor,omitempty"`
	LBSet      int      `json:"lbset,omitempty"`
	Status     []string `json:"status,omitempty"`
	Redirect   string   `json:"redirect,omitempty"`
}

// memberEdits turns a change into config edits. Ranges and references are
// the Backend's to check (one source of truth with the file's
// validation); this only refuses what config would not understand.
func memberEdits(b Balancer, mb Member, ch MemberChange) ([]config.Edit, error) {
	var out []config.Edit
	add := func(key string, v any) {
		out = append(out, config.Edit{Balancer: b.Name, Member: mb.URL, Key: key, Value: v})
	}
	if ch.LoadFactor != nil {
		add("loadfactor", *ch.LoadFactor)
	}
	if ch.LBSet != nil {
		add("lbset", *ch.LBSet)
	}
	if ch.Route != nil {
		add("route", orNil(strings.TrimSpace(*ch.Route)))
	}
	if ch.Redirect != nil {
		add("redirect", orNil(strings.TrimSpace(*ch.Redirect)))
	}
	if ch.Status != nil {
		st, err := statusList(*ch.Status)
		if err != nil {
			return nil, err
		}
		if len(st) == 0 {
			add("status", nil)
		} else {
			add("status", st)
		}
	}
	return out, nil
}

// balancerEdits turns a balancer change into config edits.
func balancerEdits(b Balancer, ch BalancerChange) ([]config.Edit, error) {
	var out []config.Edit
	add := func(key string, v any) {
		out = append(out, config.Edit{Balancer: b.Name, Key: key, Value: v})
	}
	if ch.LBMethod != nil {
		if !slices.Contains(lbMethods, *ch.LBMethod) {
			return nil, badForm("unknown lbmethod %q (want one of %s)", *ch.LBMethod, strings.Join(lbMethods, ", "))
		}
		add("lbmethod", *ch.LBMethod)
	}
	if ch.StickySession != nil {
		add("stickysession", orNil(strings.TrimSpace(*ch.StickySession)))
	}
	if ch.NoFailover != nil {
		add("nofailover", *ch.NoFailover)
	}
	if ch.Timeout != nil {
		s := strings.TrimSpace(*ch.Timeout)
		if s == "" {
			s = "0s"
		}
		if d, err := time.ParseDuration(s); err != nil || d < 0 {
			return nil, badForm("timeout %q is not a duration (want e.g. \"5s\", \"250ms\")", *ch.Timeout)
		}
		add("timeout", s)
	}
	if ch.MaxAttempts != nil {
		add("maxattempts", *ch.MaxAttempts)
	}
	return out, nil
}

// addMemberEdits is the edit that adds nm to b.
func addMemberEdits(b Balancer, nm NewMember) ([]config.Edit, error) {
	if strings.TrimSpace(nm.URL) == "" {
		return nil, badForm("a new member needs a URL")
	}
	if err := metadataMember(strings.TrimSpace(nm.URL)); err != nil {
		return nil, err
	}
	st, err := statusList(nm.Status)
	if err != nil {
		return nil, err
	}
	return []config.Edit{config.AddMember(b.Name, config.Member{
		URL: strings.TrimSpace(nm.URL), Route: strings.TrimSpace(nm.Route), LoadFactor: nm.LoadFactor,
		LBSet: nm.LBSet, Status: st, Redirect: strings.TrimSpace(nm.Redirect),
	})}, nil
}

// metadataMember refuses a member whose URL names a link-local address
// (169.254.0.0/16, fe80::/10, and AWS's fd00:ec2::254): cloud metadata
// services answer there, and a forwarded request would hand their
// credentials to whoever can reach the balancer. The configuration file
// may still name such a member; the manager may not add one.
func metadataMember(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // the configuration's validation says what is wrong
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil {
		return nil
	}
	if ip.IsLinkLocalUnicast() || ip.Equal(awsMetadataIPv6) {
		return &formError{fasthttp.StatusForbidden, "refused: " + u.Hostname() +
			" is a link-local address, where cloud metadata services answer; a member there can only be added in the configuration file"}
	}
	return nil
}

var awsMetadataIPv6 = net.ParseIP("fd00:ec2::254")

// statusList checks flag names, drops runtime states and duplicates, and
// orders the flags as the page does.
func statusList(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case isRuntimeFlag(s):
			continue
		case !slices.Contains(adminFlags, s):
			return nil, badForm("unknown status %q (want any of %s)", s, strings.Join(adminFlags, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return slices.Index(adminFlags, a) - slices.Index(adminFlags, b)
	})
	return out, nil
}

// isRuntimeFlag reports whether s names a flag the runtime sets (error,
// health-failed), which an edit leaves alone.
func isRuntimeFlag(s string) bool {
	f, ok := config.FlagNamed(s)
	return ok && f&config.AdminFlags == 0
}

// orNil turns "" into nil, which removes the key.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
