package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) == 0 {
		t.Fatal("no good files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Fatalf("%v", err)
			}
		})
	}
}

// expectedErrors are the exact messages, in order, of each bad file.
var expectedErrors = []struct {
	file string
	errs []string
}{
	{"errors.bad.yaml", []string{
		"testdata/errors.bad.yaml:4: balancers[0].lbmethd: unknown field (did you mean \"lbmethod\"?)",
	}},
	{"types.bad.yaml", []string{
		"testdata/types.bad.yaml:3: balancers[0].maxattempts: cannot unmarshal !!str `lots` into int",
		"testdata/types.bad.yaml:6: balancers[0].members[0].retry: invalid duration \"soon\" (want e.g. \"5s\", \"250ms\")",
	}},
	{"empty.bad.yaml", []string{
		"testdata/empty.bad.yaml:3: balancers[0].members: at least one member is required",
		"testdata/empty.bad.yaml:4: routes: at least one route is required",
	}},
	{"notyaml.bad.yaml", []string{
		"testdata/notyaml.bad.yaml:2: found a tab character that violates indentation",
	}},
}

func TestBadConfigs(t *testing.T) {
	for _, tc := range expectedErrors {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.errs, "\n"))
			}
		})
	}
}

// TestValidation covers the checks after decoding: each case changes one
// line of a valid file and expects one message.
func TestValidation(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, to, want string }{
		{"route: node2", "route: node2\n        loadfactor: 0", "balancer.yaml:13: balancers[0].members[1].loadfactor: must be between 1 and 100, got 0"},
		{"route: node2", "route: node2\n        loadfactor: 101", "balancer.yaml:13: balancers[0].members[1].loadfactor: must be between 1 and 100, got 101"},
		{"route: node2", "route: node1", "balancer.yaml:12: balancers[0].members[1].route: duplicate route \"node1\""},
		{"8102", "8101", "balancer.yaml:11: balancers[0].members[1].url: duplicate member \"http://127.0.0.1:8101\""},
		{"http://127.0.0.1:8102", "127.0.0.1:8102", "balancer.yaml:11: balancers[0].members[1].url: unparsable URL \"127.0.0.1:8102\""},
		{"balancer: mycluster", "balancer: shop", "balancer.yaml:15: routes[0].balancer: unknown balancer \"shop\" (have: mycluster)"},
		{"lbmethod: byrequests", "lbmethod: roundrobin", "balancer.yaml:6: balancers[0].lbmethod: must be byrequests, bytraffic or bybusyness, got \"roundrobin\""},
		{"route: node2", "route: node2\n        status: [drained]", "balancer.yaml:13: balancers[0].members[1].status[0]: unknown status \"drained\" (want disabled, stopped, ignore-errors, hot-standby or drain)"},
		{"route: node2", "route: node2\n        redirect: node9", "balancer.yaml:13: balancers[0].members[1].redirect: no member of this balancer has route \"node9\""},
		{"route: node2", "route: node2\n        lbset: 100", "balancer.yaml:13: balancers[0].members[1].lbset: must be between 0 and 99, got 100"},
		{"route: node2", "route: node2\n        retry: 5", "balancer.yaml:13: balancers[0].members[1].retry: invalid duration \"5\" (want e.g. \"5s\", \"250ms\")"},
		{"  - path: /  ", "  - path: shop", "balancer.yaml:14: routes[0].path: must start with /, got \"shop\""},
		{"name: mycluster", "name: my cluster", "balancer.yaml:5: balancers[0].name: \"my cluster\": use letters, digits, '.', '_' and '-'"},
		{"JSESSIONID|jsessionid", "JSESSIONID|jsession id", "balancer.yaml:7: balancers[0].stickysession: want COOKIE or COOKIE|PARAM (cookie-name characters, under 64), got \"JSESSIONID|jsession id\""},
		{"listen: \"127.0.0.1:8081\"", "listen: \"8081\"", "balancer.yaml:3: manager.listen: invalid address \"8081\" (want host:port)"},
	}
	for _, tc := range cases {
		t.Run(tc.to, func(t *testing.T) {
			src := strings.Replace(string(base), tc.from, tc.to, 1)
			if src == string(base) {
				t.Fatalf("%q not in the base file", tc.from)
			}
			_, err := Parse("balancer.yaml", []byte(src))
			if err == nil || strings.Split(err.Error(), "\n")[0] != tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancers[0]
	m := b.Members[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"manager.path", c.Manager.Path, "/balancer-manager"},
		{"store.cluster", c.Store.Cluster, "default"},
		{"stickysessionsep", b.StickySessionSep, "."},
		{"maxattempts", b.Attempts(), 1},
		{"forcerecovery", b.Recover(), true},
		{"loadfactor", m.LoadFactor, 1.0},
		{"retry", m.RetryTime().String(), "1m0s"},
		{"timeout", m.Timeout.D().String(), "1m0s"},
		{"retrybuffer", int64(b.RetryBuffer), int64(1 << 20)},
	}
	for _, x := range checks {
		if x.got != x.want {
			t.Errorf("%s = %v, want %v", x.name, x.got, x.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/minimal.good.yaml", "testdata/full.good.yaml", "testdata/errors.bad.yaml"} {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("f.yaml", data)
		if err == nil {
			return
		}
		list, ok := err.(Errors)
		if !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		for _, e := range list {
			if e.File != "f.yaml" || e.Line < 1 {
				t.Fatalf("error without file and line: %q", e.Error())
			}
		}
	})
}
