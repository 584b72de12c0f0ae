package config

// Edit is one manager change: a balancer-level or member-level key set to
// a new value, or a member added. Edits are what the manager applies, what
// replicas share, and what manager.persist writes into the file; the
// edits in force are an overlay on the file's configuration (overlay.go).
type Edit struct {
	Balancer string `json:"balancer"`
	// Member is the member's URL; "" for a balancer-level edit.
	Member string `json:"member,omitempty"`
	// Key is the YAML key ("loadfactor", "status", "lbmethod", …).
	Key string `json:"key"`
	// Value is the new value as YAML would give it (number, string, list);
	// nil removes the key, so that its default applies.
	Value any `json:"value,omitempty"`
	// Add, when set, adds this member to the balancer (Key is "+member"
	// and Member its URL).
	Add *Member `json:"add,omitempty"`
}

// AddMember returns the edit that adds m to balancer.
func AddMember(balancer string, m Member) Edit {
	return Edit{Balancer: balancer, Member: m.URL, Key: "+member", Add: &m}
}

// memberKey and balancerKey report the keys the manager may change at
// runtime.
func memberKey(k string) bool {
	switch k {
	case "loadfactor", "lbset", "status", "redirect", "route":
		return true
	}
	return false
}

func balancerKey(k string) bool {
	switch k {
	case "lbmethod", "stickysession", "nofailover", "timeout", "maxattempts":
		return true
	}
	return false
}

// SameTarget reports whether a and b change the same thing (balancer,
// member, key), so that the later replaces the earlier.
func SameTarget(a, b Edit) bool {
	return a.Balancer == b.Balancer && a.Member == b.Member && a.Key == b.Key
}
