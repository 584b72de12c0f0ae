package config

import (
	"slices"
	"testing"
)

// Every flag has one name and httpd's letter, and each way of looking a
// flag up finds the same one.
func TestFlagVocabulary(t *testing.T) {
	tests := []struct {
		flag   Flag
		name   string
		letter byte
		admin  bool
	}{
		{FlagDisabled, "disabled", 'D', true},
		{FlagStopped, "stopped", 'S', true},
		{FlagIgnoreErrors, "ignore-errors", 'I', true},
		{FlagHotStandby, "hot-standby", 'H', true},
		{FlagDrain, "drain", 'N', true},
		{FlagError, "error", 'E', false},
		{FlagHealthFailed, "health-failed", 'C', false},
	}
	var all []Flag
	for f := range Flags() {
		all = append(all, f)
	}
	if len(all) != len(tests) {
		t.Fatalf("Flags yields %d flags, want %d", len(all), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if all[i] != tt.flag {
				t.Errorf("Flags()[%d] = %b, want %b", i, all[i], tt.flag)
			}
			if got := tt.flag.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			if got := tt.flag.Letter(); got != tt.letter {
				t.Errorf("Letter() = %q, want %q", got, tt.letter)
			}
			if f, ok := FlagNamed(tt.name); !ok || f != tt.flag {
				t.Errorf("FlagNamed(%q) = %b, %v", tt.name, f, ok)
			}
			if f, ok := FlagLettered(tt.letter); !ok || f != tt.flag {
				t.Errorf("FlagLettered(%q) = %b, %v", tt.letter, f, ok)
			}
			if got := tt.flag&AdminFlags != 0; got != tt.admin {
				t.Errorf("admin = %v, want %v", got, tt.admin)
			}
		})
	}
	if got := (FlagDisabled | FlagDrain).Name(); got != "" {
		t.Errorf("Name of two flags = %q, want \"\"", got)
	}
	if _, ok := FlagLettered('R'); ok {
		t.Error("FlagLettered('R'): hot spare has no flag here")
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		names   []string
		want    Flag
		unknown []string
	}{
		{nil, 0, nil},
		{[]string{"drain", "Hot-Standby"}, FlagDrain | FlagHotStandby, nil},
		{[]string{"error", "health-failed", "drained"}, 0, []string{"error", "health-failed", "drained"}},
		{[]string{"disabled", "stopped", "ignore-errors"}, FlagDisabled | FlagStopped | FlagIgnoreErrors, nil},
	}
	for _, tt := range tests {
		f, unknown := ParseStatus(tt.names)
		if f != tt.want || !slices.Equal(unknown, tt.unknown) {
			t.Errorf("ParseStatus(%q) = %b, %q; want %b, %q", tt.names, f, unknown, tt.want, tt.unknown)
		}
		if got := f.Names(); len(tt.unknown) == 0 && len(got) != len(tt.names) {
			t.Errorf("(%b).Names() = %q, want %d names", f, got, len(tt.names))
		}
	}
}

func TestLBMethodVocabulary(t *testing.T) {
	if got, want := LBMethods(), []string{"byrequests", "bytraffic", "bybusyness"}; !slices.Equal(got, want) {
		t.Fatalf("LBMethods() = %q, want %q", got, want)
	}
	LBMethods()[0] = "changed" // the caller's copy: nothing changes here
	for _, tt := range []struct {
		name string
		want bool
	}{{"byrequests", true}, {"bytraffic", true}, {"bybusyness", true}, {"ByRequests", false}, {"heartbeat", false}, {"", false}} {
		if got := IsLBMethod(tt.name); got != tt.want {
			t.Errorf("IsLBMethod(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, want := LBMethodList(), "byrequests, bytraffic or bybusyness"; got != want {
		t.Errorf("LBMethodList() = %q, want %q", got, want)
	}
}
