package config

import (
	"iter"
	"strings"
)

// Flag is one member status flag, or a set of them, as bits. The runtime
// keeps a member's flags in one word; a file, an edit, the JSON API and
// /metrics spell them by name.
type Flag uint32

// The status flags, httpd's PROXY_WORKER_* letters in brackets (what its
// balancer-manager shows and what BalancerMember status= sets).
const (
	FlagDisabled     Flag = 1 << iota // [D] no requests at all
	FlagStopped                       // [S] administratively stopped
	FlagIgnoreErrors                  // [I] always considered usable
	FlagHotStandby                    // [H] used only when no other member is
	FlagDrain                         // [N] sticky requests only
	FlagError                         // [E] in error until its retry time
	FlagHealthFailed                  // [C] failed its active health check
)

// AdminFlags are the flags an operator sets (file or manager); the others
// are runtime state.
const AdminFlags = FlagDisabled | FlagStopped | FlagIgnoreErrors | FlagHotStandby | FlagDrain

// The status flags' names, as a member's status list spells them.
const (
	StatusDisabled     = "disabled"
	StatusStopped      = "stopped"
	StatusIgnoreErrors = "ignore-errors"
	StatusHotStandby   = "hot-standby"
	StatusDrain        = "drain"
	StatusError        = "error"
	StatusHealthFailed = "health-failed"
)

// flagWords is every flag with its name and httpd letter, in the order
// lists and metrics show them.
var flagWords = [...]struct {
	flag   Flag
	name   string
	letter byte
}{
	{FlagDisabled, StatusDisabled, 'D'},
	{FlagStopped, StatusStopped, 'S'},
	{FlagIgnoreErrors, StatusIgnoreErrors, 'I'},
	{FlagHotStandby, StatusHotStandby, 'H'},
	{FlagDrain, StatusDrain, 'N'},
	{FlagError, StatusError, 'E'},
	{FlagHealthFailed, StatusHealthFailed, 'C'},
}

// Flags yields every single flag, admin flags first, in a fixed order.
func Flags() iter.Seq[Flag] {
	return func(yield func(Flag) bool) {
		for _, w := range flagWords {
			if !yield(w.flag) {
				return
			}
		}
	}
}

// Name is the name of the single flag f; "" when f is not one flag.
func (f Flag) Name() string {
	for _, w := range flagWords {
		if w.flag == f {
			return w.name
		}
	}
	return ""
}

// Letter is httpd's letter for the single flag f; 0 when f is not one
// flag.
func (f Flag) Letter() byte {
	for _, w := range flagWords {
		if w.flag == f {
			return w.letter
		}
	}
	return 0
}

// Names lists the names of the flags set in f, in a fixed order.
func (f Flag) Names() []string {
	out := []string{}
	for _, w := range flagWords {
		if f&w.flag != 0 {
			out = append(out, w.name)
		}
	}
	return out
}

// FlagNamed returns the flag called name (exactly as spelled), and whether
// there is one.
func FlagNamed(name string) (Flag, bool) {
	for _, w := range flagWords {
		if w.name == name {
			return w.flag, true
		}
	}
	return 0, false
}

// FlagLettered returns the flag httpd writes as letter (upper case), and
// whether there is one.
func FlagLettered(letter byte) (Flag, bool) {
	for _, w := range flagWords {
		if w.letter == letter {
			return w.flag, true
		}
	}
	return 0, false
}

// ParseStatus turns a status list into admin flags, names compared without
// case; the names that are no admin flag are returned.
func ParseStatus(names []string) (Flag, []string) {
	var f Flag
	var unknown []string
	for _, n := range names {
		found := false
		for _, w := range flagWords {
			if w.flag&AdminFlags != 0 && strings.EqualFold(n, w.name) {
				f |= w.flag
				found = true
			}
		}
		if !found {
			unknown = append(unknown, n)
		}
	}
	return f, unknown
}

// adminNames is the admin flags' names for messages: "a, b or c".
func adminNames() string {
	var names []string
	for _, w := range flagWords {
		if w.flag&AdminFlags != 0 {
			names = append(names, w.name)
		}
	}
	return orList(names)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
