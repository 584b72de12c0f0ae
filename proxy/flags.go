package proxy

import "strings"

// Status flags of a member, httpd's PROXY_WORKER_* letters in brackets.
const (
	FlagDisabled     uint32 = 1 << iota // [D] no requests at all
	FlagStopped                         // [S] administratively stopped
	FlagIgnoreErrors                    // [I] always considered usable
	FlagHotStandby                      // [H] used only when no other member is
	FlagDrain                           // [N] sticky requests only
	FlagError                           // [E] in error until its retry time
	FlagHealthFailed                    // [C] failed its active health check
)

// adminFlags are the flags an operator sets (config or manager); the others
// are runtime state.
const adminFlags = FlagDisabled | FlagStopped | FlagIgnoreErrors | FlagHotStandby | FlagDrain

var flagNames = []struct {
	flag uint32
	name string
}{
	{FlagDisabled, "disabled"},
	{FlagStopped, "stopped"},
	{FlagIgnoreErrors, "ignore-errors"},
	{FlagHotStandby, "hot-standby"},
	{FlagDrain, "drain"},
	{FlagError, "error"},
	{FlagHealthFailed, "health-failed"},
}

// ParseFlags turns configured status names into admin flags; unknown names
// are reported.
func ParseFlags(names []string) (uint32, []string) {
	var f uint32
	var unknown []string
	for _, n := range names {
		found := false
		for _, x := range flagNames {
			if x.flag&adminFlags != 0 && strings.EqualFold(n, x.name) {
				f |= x.flag
				found = true
			}
		}
		if !found {
			unknown = append(unknown, n)
		}
	}
	return f, unknown
}

// FlagNames lists the names of the flags set in f, in a fixed order.
func FlagNames(f uint32) []string {
	out := []string{}
	for _, x := range flagNames {
		if f&x.flag != 0 {
			out = append(out, x.name)
		}
	}
	return out
}
