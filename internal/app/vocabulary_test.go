package app

import (
	"slices"
	"testing"

	"balancer/affinity"
	"balancer/config"
	"balancer/lbmethod"
)

// config owns the vocabulary; lbmethod and affinity are leaves that may
// not import it (DESIGN.md), so they spell their part again. This test,
// in the package that wires them, keeps the spellings one.
func TestLeavesSpeakConfigsVocabulary(t *testing.T) {
	if got, want := lbmethod.Names(), config.LBMethods(); !slices.Equal(got, want) {
		t.Errorf("lbmethod.Names() = %q, config.LBMethods() = %q", got, want)
	}
	for _, name := range config.LBMethods() {
		m, err := lbmethod.New(name)
		if err != nil {
			t.Errorf("config's lbmethod %q: %v", name, err)
			continue
		}
		if m.Name() != name {
			t.Errorf("lbmethod.New(%q).Name() = %q", name, m.Name())
		}
	}
	// affinity's token rule is the one config validates stickysession by.
	for c := 0; c < 256; c++ {
		name := "A" + string([]byte{byte(c)}) + "Z"
		_, err := affinity.NewSpec(name, "", false)
		if got, want := err == nil, config.IsToken(name); got != want {
			t.Errorf("byte %#x: affinity accepts %v, config.IsToken %v", c, got, want)
		}
	}
}
