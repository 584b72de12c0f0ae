package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

const unitFile = "systemd/balancer.service"

// unitKeys parses a unit file into section → key → values (keys repeat).
func unitKeys(t *testing.T, data string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || l[0] == '#' || l[0] == ';':
		case l[0] == '[' && l[len(l)-1] == ']':
			section = l[1 : len(l)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not key=value inside a section: %q", unitFile, n, l)
			}
			out[section][strings.TrimSpace(k)] = append(out[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return out
}

// TestUnitHardening reads the unit's keys and checks what makes it the
// service it claims to be; it runs everywhere, systemd or not.
func TestUnitHardening(t *testing.T) {
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	u := unitKeys(t, string(data))
	svc := u["Service"]
	if svc == nil || u["Unit"] == nil || u["Install"] == nil {
		t.Fatalf("want [Unit], [Service] and [Install] sections, got %v", u)
	}
	want := map[string]string{
		"ExecStart":               "/usr/local/bin/balancer -config /etc/balancer/balancer.yaml",
		"KillSignal":              "SIGTERM",
		"Restart":                 "on-failure",
		"DynamicUser":             "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"AmbientCapabilities":     "CAP_NET_BIND_SERVICE",
		"CapabilityBoundingSet":   "CAP_NET_BIND_SERVICE",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"RestrictNamespaces":      "yes",
		"SystemCallArchitectures": "native",
	}
	for k, v := range want {
		if got := svc[k]; len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s = %q, want %q", k, got, v)
		}
	}
	if !contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter %q lacks @system-service", svc["SystemCallFilter"])
	}
	if !contains(svc["ExecReload"], "/bin/kill -HUP $MAINPID") {
		t.Errorf("ExecReload %q does not send SIGHUP", svc["ExecReload"])
	}
	// TimeoutStopSec must leave room for the default gracetime (30s).
	if got := svc["TimeoutStopSec"]; len(got) != 1 || !aboveGrace(got[0]) {
		t.Errorf("TimeoutStopSec %q: want a little above the %v gracetime", got, config.DefaultGraceTime)
	}
	t.Log("checked the unit's sections and hardening keys by parsing it")
}

// aboveGrace reports a stop timeout from gracetime to gracetime+30s.
func aboveGrace(v string) bool {
	d, err := time.ParseDuration(v)
	return err == nil && d > config.DefaultGraceTime && d <= config.DefaultGraceTime+30*time.Second
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestUnitVerify runs systemd-analyze verify (package systemd, which
// ./test.sh installs) on a copy of the unit whose binary path points at a stand-in
// executable, since verify refuses a unit whose ExecStart does not exist;
// any diagnostic fails the test. systemd-analyze security then scores the
// sandbox offline.
func TestUnitVerify(t *testing.T) {
	analyze := testutil.Need(t, "systemd-analyze", "systemd")
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "balancer")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, "balancer.service")
	text := strings.ReplaceAll(string(data), "/usr/local/bin/balancer", bin)
	if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		if strings.Contains(string(out), "Failed to") && strings.Contains(string(out), "bus") {
			t.Skipf("systemd-analyze verify cannot run here: %s", out)
		}
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	t.Log("systemd-analyze verify: no diagnostics")
	// Exposure is scored 0-10; the threshold is in tenths.
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: exposure above 2.0 (or it failed): %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("systemd-analyze security: %s", lines[len(lines)-1])
}
