package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Manager edits are an overlay on the file's configuration: the running
// configuration is the file with the edits in force applied (WithEdits),
// so a reload of an unrelated change keeps them. The overlay holds one
// edit per target, in the order they were made. Replicas share it through
// a store, which carries it as JSON: the functions here compare values as
// JSON gives them back, so that an edit read from the store equals the one
// written. What is edited, how an overlay merges and what a reload keeps
// are questions about a configuration, answered here; the store only
// keeps and carries the list.

// MergeEdits appends edits to base, dropping earlier edits of the same
// target.
func MergeEdits(base, edits []Edit) []Edit {
	out := make([]Edit, 0, len(base)+len(edits))
	for _, e := range base {
		replaced := false
		for _, n := range edits {
			if SameTarget(e, n) {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return append(out, edits...)
}

// SameEdits compares two overlays as they travel (JSON).
func SameEdits(a, b []Edit) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// MissingTargets returns the edits of mine whose target theirs lacks.
func MissingTargets(theirs, mine []Edit) []Edit {
	var out []Edit
	for _, m := range mine {
		found := false
		for _, t := range theirs {
			if SameTarget(t, m) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, m)
		}
	}
	return out
}

// NewEdits returns the edits of mine that theirs does not hold as they
// are (same target, same value).
func NewEdits(theirs, mine []Edit) []Edit {
	var out []Edit
	for _, m := range mine {
		found := false
		for _, t := range theirs {
			if SameTarget(t, m) && reflect.DeepEqual(jsonValue(t.Value), jsonValue(m.Value)) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, m)
		}
	}
	return out
}

// jsonValue normalises a value to what JSON decoding gives back.
func jsonValue(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// KeptEdits drops the edits whose target the file itself changed between
// oldCfg and newCfg: the most recent intent wins.
func KeptEdits(oldCfg, newCfg *Config, edits []Edit) []Edit {
	var out []Edit
	for _, e := range edits {
		ov, _ := Lookup(oldCfg, e)
		nv, _ := Lookup(newCfg, e)
		if ov == nv {
			out = append(out, e)
		}
	}
	return out
}

// DescribeEdits renders edits for a log line: what changed, never a
// secret (edits carry member settings only).
func DescribeEdits(edits []Edit) string {
	parts := make([]string, 0, len(edits))
	for _, e := range edits {
		target := e.Balancer
		if e.Member != "" {
			target += " " + e.Member
		}
		parts = append(parts, fmt.Sprintf("%s %s=%v", target, e.Key, e.Value))
	}
	return strings.Join(parts, "; ")
}
