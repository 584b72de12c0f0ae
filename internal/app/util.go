package app

import (
	"fmt"
	"reflect"
	"strings"

	"balancer/config"
)

// describe renders edits for the log: what changed, never a secret (edits
// carry member settings only).
func describe(edits []config.Edit) string {
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

func equalValue(a, b any) bool {
	return reflect.DeepEqual(fmt.Sprint(a), fmt.Sprint(b))
}

// keptEdits drops the manager edits whose target the file itself changed
// between oldCfg and newCfg: the most recent intent wins.
func keptEdits(oldCfg, newCfg *config.Config, edits []config.Edit) []config.Edit {
	var out []config.Edit
	for _, e := range edits {
		ov, _ := config.Lookup(oldCfg, e)
		nv, _ := config.Lookup(newCfg, e)
		if equalValue(ov, nv) {
			out = append(out, e)
		}
	}
	return out
}
