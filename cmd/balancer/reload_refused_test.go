package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadRefused: a reload that cannot have everything it asks for is
// refused as a whole: the reason is "file:line: field: reason" on the
// manager page and in its API, balancer_config_last_reload_successful is
// 0, and nothing of the file changed in force, not even the keys that
// could have reloaded (manager.readonly, a member's loadfactor). A
// corrected file then reloads.
func TestReloadRefused(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0") // without SO_REUSEPORT: nobody else may bind it
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		bad  func(e *reloadEnv) conf
		// line is text on the line the error must point at; field and
		// reason what it must say.
		line, field, reason string
	}{{
		name: "listener address in use",
		bad:  func(e *reloadEnv) conf { return conf{listen: fmt.Sprintf("\n  - %q\n  - %q", e.addr, busy.Addr())} },
		line: busy.Addr().String(), field: "listen[1]", reason: "cannot listen: ",
	}, {
		name: "manager address in use",
		bad:  func(e *reloadEnv) conf { return conf{mgr: busy.Addr().String()} },
		line: "  listen: \"" + busy.Addr().String(), field: "manager.listen", reason: "cannot listen: ",
	}, {
		name: "certificate unreadable",
		bad: func(e *reloadEnv) conf {
			return conf{listen: fmt.Sprintf("\n  - %q\n  - addr: 127.0.0.1:0\n    tls:\n      cert: %s/c.pem\n      key: %s/k.pem", e.addr, missing, missing)}
		},
		line: "      cert: ", field: "listen[1].tls", reason: "cannot load the certificate: ",
	}, {
		name: "access log unwritable",
		bad: func(e *reloadEnv) conf {
			return conf{top: fmt.Sprintf("accesslog:\n  path: %s/access.log\n", missing)}
		},
		line: "  path: " + missing, field: "accesslog.path", reason: "cannot open the access log: ",
	}, {
		name: "invalid file",
		bad:  func(e *reloadEnv) conf { return conf{member1: "        retry: soon\n"} },
		line: "retry: soon", field: "balancers[0].members[0].retry", reason: "",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := startReloadEnv(t, conf{})
			bad := tc.bad(e)
			// What could have reloaded alone rides along and must not apply.
			bad.manager += "  readonly: true\n"
			bad.member1 += "        loadfactor: 9\n"
			if e.reload(t, bad) {
				t.Fatal("the reload succeeded")
			}
			line := lineOf(t, e.file, tc.line)
			want := fmt.Sprintf("%s:%d: %s: %s", e.file, line, tc.field, tc.reason)
			info := e.api(t, "/balancer-manager").Info.Reload
			if info.OK || info.At == nil || !strings.Contains(info.Error, want) {
				t.Fatalf("API reload %+v, want an error containing %q", info, want)
			}
			page := body(t, "http://"+e.mgr+"/balancer-manager")
			if !strings.Contains(page, "Configuration reload refused") || !strings.Contains(page, fmt.Sprintf("%s:%d: %s", e.file, line, tc.field)) {
				t.Fatalf("the page does not give the reason %q", want)
			}
			// The old configuration runs, all of it.
			if s := status(t, "http://"+e.addr+"/"); s != 200 {
				t.Fatalf("the listener in force: %d", s)
			}
			if lf := e.api(t, "/balancer-manager").Balancers[0].Members[0].LoadFactor; lf != 1 {
				t.Fatalf("loadfactor %v in force after a refused reload, want 1", lf)
			}
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":2}`, "", ""); s != 200 {
				t.Fatalf("an edit after a refused reload that set readonly: %d, want 200", s)
			}
			// The file corrected, the reload goes through.
			good := conf{manager: "  readonly: true\n"}
			if !e.reload(t, good) {
				t.Fatalf("the corrected file did not reload: %+v", e.api(t, "/balancer-manager").Info.Reload)
			}
			if info := e.api(t, "/balancer-manager").Info.Reload; !info.OK || info.Error != "" {
				t.Fatalf("API after a good reload: %+v", info)
			}
			if page := body(t, "http://"+e.mgr+"/balancer-manager"); strings.Contains(page, "Configuration reload refused") {
				t.Fatal("the page still shows the refused reload")
			}
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":3}`, "", ""); s != http.StatusForbidden {
				t.Fatalf("edit after readonly reloaded: %d, want 403", s)
			}
		})
	}
}

// lineOf returns the line of file holding text (1-based).
func lineOf(t *testing.T, file, text string) int {
	t.Helper()
	b, _ := os.ReadFile(file)
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%q not in %s:\n%s", text, file, b)
	return 0
}

func body(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
