package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) < 5 {
		t.Fatalf("%d good files, want at least 5", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := Load(f)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if c.File != f {
				t.Errorf("File = %q, want %q", c.File, f)
			}
		})
	}
}

// TestGoodFilesUseEveryKey keeps full.good.yaml (with sentinel.good.yaml
// and rediscluster.good.yaml for the Redis keys that cannot sit beside
// addr and db) complete: a key added
// to the schema must be added there too.
func TestGoodFilesUseEveryKey(t *testing.T) {
	used := map[string]bool{}
	index := regexp.MustCompile(`\[\d+\]`)
	for _, f := range []string{"testdata/full.good.yaml", "testdata/sentinel.good.yaml", "testdata/rediscluster.good.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, errs := document(f, data)
		if errs != nil {
			t.Fatal(errs)
		}
		d := newDecoder(f)
		d.mapping(doc, reflect.ValueOf(&Config{}).Elem(), "")
		for p := range d.lines {
			used[index.ReplaceAllString(p, "[]")] = true
		}
	}
	var missing []string
	for _, k := range schemaKeys(configType, "") {
		if !used[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("keys no good file uses: %s", strings.Join(missing, ", "))
	}
}

// schemaKeys lists every key path of the schema below t.
func schemaKeys(t reflect.Type, at string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t != listenersType && reflect.PointerTo(t).Implements(unmarshalerType) {
			return nil
		}
		if t.Kind() == reflect.Slice {
			at += "[]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for name, i := range yamlFields(t) {
		p := join(at, name)
		out = append(out, p)
		out = append(out, schemaKeys(t.Field(i).Type, p)...)
	}
	slices.Sort(out)
	return out
}

// expectedErrors are the exact messages, in order, of each bad file; "@:"
// stands for the file's path and its colon.
var expectedErrors = []struct {
	file string
	errs []string
}{
	{"aliases.bad.yaml", []string{
		"@:4: aliases expand the document past 13180 values; write the values out",
	}},
	{"balancers.bad.yaml", []string{
		`@:3: balancers[0].name: "my cluster": use letters, digits, '.', '_' and '-'`,
		`@:4: balancers[0].lbmethod: must be byrequests, bytraffic or bybusyness, got "roundrobin"`,
		`@:5: balancers[0].stickysession: want COOKIE or COOKIE|PARAM (token characters, under 64 each), got "JSESSIONID|jsession id"`,
		`@:6: balancers[0].stickysessionsep: must be one character or off, got "::"`,
		`@:7: balancers[0].stickymode: must be route, insert or learn, got "sticky"`,
		"@:8: balancers[0].maxattempts: must be 0 or more, got -1",
		"@:9: balancers[0].failonstatus[1]: must be a status code 100-599, got 700",
		"@:10: balancers[0].maxsessions: must be 1 or more, got -5",
		`@:12: balancers[0].healthcheck.method: must be GET, HEAD, OPTIONS or TCP, got "POST"`,
		`@:13: balancers[0].healthcheck.uri: must start with /, got "health"`,
		"@:14: balancers[0].healthcheck.interval: must be at least 100ms, got 10ms",
		"@:15: balancers[0].healthcheck.passes: must be 1 or more, got 0",
		"@:16: balancers[0].healthcheck.fails: must be 1 or more, got 0",
		`@:23: balancers[1].stickycookie: "JSESSIONID" is the application's session cookie (stickysession); insert mode needs a cookie of its own`,
		`@:27: balancers[2].name: duplicate balancer "shop"`,
		"@:27: balancers[2].stickysession: learn mode needs the application's session cookie name",
		"@:31: balancers[3].name: required",
		"@:32: balancers[3].stickysession: no member has a route, so no request would stick (give each member a route)",
		"@:37: balancers[4].members: at least one member is required",
	}},
	{"blank.bad.yaml", []string{
		"@: empty file (want at least balancers and routes)",
	}},
	{"empty.bad.yaml", []string{
		"@:2: balancers: at least one balancer is required",
		"@:3: routes: at least one route is required",
	}},
	{"list.bad.yaml", []string{
		"@:1: want a mapping of keys (listen, manager, store, balancers, routes, …), got a list",
	}},
	{"members.bad.yaml", []string{
		"@:8: balancers[0].members[0].loadfactor: must be between 1 and 100, got 0",
		`@:9: balancers[0].members[1].url: duplicate member "http://127.0.0.1:8101" (members[0])`,
		`@:10: balancers[0].members[1].route: duplicate route "node1" (members[0])`,
		"@:11: balancers[0].members[1].loadfactor: must be between 1 and 100, got 101",
		"@:12: balancers[0].members[1].lbset: must be between 0 and 99, got 100",
		`@:13: balancers[0].members[1].status[0]: unknown status "drained" (want disabled, stopped, ignore-errors, hot-standby or drain)`,
		`@:14: balancers[0].members[1].redirect: no member of this balancer has route "node9"`,
		`@:15: balancers[0].members[2].url: unparsable URL "127.0.0.1:8103"`,
		`@:16: balancers[0].members[2].route: "node 3": use token characters (letters, digits, '-', '.', '_', …), under 64`,
		"@:17: balancers[0].members[2].redirect: a member cannot redirect to itself",
		"@:18: balancers[0].members[2].max: must be 0 (unlimited) or more, got -1",
		"@:19: balancers[0].members[2].maxqueue: must be 0 or more, got -2",
		`@:20: balancers[0].members[3].url: scheme must be http or https, got "ftp://127.0.0.1:8104"`,
		"@:21: balancers[0].members[3].maxqueue: needs max: requests queue only when a member has max requests in flight",
		`@:22: balancers[0].members[4].url: must not carry a query or fragment: "http://127.0.0.1:8105/app?x=1"`,
		`@:23: balancers[0].members[5].url: must not carry credentials: "http://user:xxxxx@127.0.0.1:8106"`,
		`@:24: balancers[0].members[6].url: no host in "http:///nohost"`,
		`@:25: balancers[0].members[7].url: invalid port in "http://127.0.0.1:99999" (want 1-65535)`,
		"@:26: balancers[0].members[8].url: required",
		"@:27: balancers[0].members[8].loadfactor: must be between 1 and 100, got NaN",
	}},
	{"notyaml.bad.yaml", []string{
		"@:2: found a tab character that violates indentation",
	}},
	{"toplevel.bad.yaml", []string{
		`@:4: listen[1]: "127.0.0.1:8080" is also listen[0]`,
		`@:5: listen[2].addr: invalid address "8443" (want host:port, e.g. "127.0.0.1:8080" or ":8080")`,
		"@:6: listen[2].tls.key: required: tls needs both cert and key",
		"@:7: listen[2].redirecthttps: is for a plain listener; this one has tls",
		`@:8: listen[3].addr: invalid port in "127.0.0.1:70000" (want 0-65535)`,
		`@:10: manager.listen: "127.0.0.1:8080" is also listen[0] (the manager needs its own address)`,
		`@:11: manager.path: must start with /, got "balancer-manager"`,
		"@:15: manager.auth.users[0].password: must be a bcrypt hash ($2a$, $2b$ or $2y$; e.g. from htpasswd -nbB user password); the value is not shown",
		`@:16: manager.auth.users[1].name: "o:ps": a user name cannot contain ':' (HTTP basic authentication)`,
		`@:18: manager.auth.users[2].name: duplicate user "ops"`,
		"@:18: manager.auth.users[2].password: required: a bcrypt hash ($2a$, $2b$ or $2y$; e.g. from htpasswd -nbB user password)",
		`@:20: store.cluster: "prod east": use letters, digits, '.', '_' and '-'`,
		"@:22: store.redis: needs addr (one server) or addrs (Cluster, or Sentinel with mastername)",
		"@:22: store.redis.db: must be 0 or more, got -1",
		`@:24: accesslog.format: must be combined or json, got "clf"`,
		"@:26: limits.maxconns: must be 0 or more, got -1",
		`@:27: limits.idlerelease: invalid duration "-1s" (want e.g. "5s", "250ms")`,
		`@:33: routes[0].path: must start with /, got "shop"`,
		`@:34: routes[0].balancer: unknown balancer "shop" (have: mycluster)`,
		`@:35: routes[1].path: must be a path without query or fragment, got "/a?b"`,
		`@:39: routes[3].path: duplicate path "/" (routes[2])`,
		"@:39: routes[3].balancer: required",
		"@:41: routes[4].balancer: required",
		`@:42: trustedproxies[1]: "10.0.0.0/33" is not an IP address or CIDR (10.0.0.0/8, 192.0.2.7)`,
		`@:42: trustedproxies[2]: "proxy.example" is not an IP address or CIDR (10.0.0.0/8, 192.0.2.7)`,
	}},
	{"http2.bad.yaml", []string{
		"@:5: listen[0].h2c: is for a plain listener; this one has tls, where http2 (ALPN) applies",
		"@:7: listen[1].http2: needs tls (ALPN); a plain listener takes HTTP/2 with h2c: true",
		"@:10: listen[2].h2c: cannot go with redirecthttps: that listener only redirects",
		"@:12: limits.maxconcurrentstreams: must be between 1 and 2147483647, got -1",
	}},
	{"hosts.bad.yaml", []string{
		`@:4: manager.hosts[0]: "balancer.example.com:8081": give the name without a port (any port matches)`,
		`@:5: manager.hosts[1]: "http://balancer.example.com/" is not a host name or IP address (e.g. balancer.example.com, 10.0.0.5)`,
		`@:6: manager.hosts[2]: "" is not a host name or IP address (e.g. balancer.example.com, 10.0.0.5)`,
	}},
	{"twodocs.bad.yaml", []string{
		"@:9: a second YAML document (after ---): the configuration is one document",
	}},
	{"types.bad.yaml", []string{
		`@:2: listen[0]: want "host:port" or a mapping with addr and tls, got a list`,
		`@:4: manager.persist: want true or false, got "maybe"`,
		`@:5: store: want a mapping (key: value lines), got "redis"`,
		`@:7: limits.maxconns: want an integer, got "1.5"`,
		`@:8: limits.maxheaderbytes: invalid size "16 KB per header" (want e.g. 1048576, "64KiB", "1MiB")`,
		`@:9: limits.idletimeout: invalid duration "60": a unit is needed, e.g. "60s" or "60ms"`,
		`@:12: balancers[0].maxattempts: want an integer, got "lots"`,
		"@:13: balancers[0].nofailover: want true or false, got a mapping",
		`@:14: balancers[0].retrybuffer: invalid size "-1" (want e.g. 1048576, "64KiB", "1MiB")`,
		`@:15: balancers[0].failonstatus[1]: want an integer, got "five-oh-four"`,
		`@:17: balancers[0].healthcheck.interval: want a duration such as "5s" or "250ms", got a list`,
		`@:18: balancers[0].healthcheck.expect: invalid status or range "200-99" (want e.g. 200 or "200-399")`,
		`@:20: balancers[0].members: want a list (one "- " line per entry), got a mapping`,
		"@:23: balancers[1].members[0].url: want a string, got a list",
		`@:24: balancers[1].members[0].loadfactor: want a number, got "heavy"`,
		`@:25: balancers[1].members[0].retry: invalid duration "soon" (want e.g. "5s", "250ms")`,
		`@:26: balancers[1].members[0].lbset: want an integer, got "1e3"`,
	}},
	{"unknown.bad.yaml", []string{
		`@:3: manger: unknown field (did you mean "manager"?)`,
		`@:7: balancers[0].lbmethd: unknown field (did you mean "lbmethod"?)`,
		"@:8: balancers[0].loadfactor: unknown field (loadfactor belongs under balancers[].members[])",
		"@:13: balancers[0].members[0].route: given twice (first at line 12)",
		"@:14: balancers[0].members[0].weight: unknown field (known here: connectiontimeout, lbset, loadfactor, max, maxqueue, queuetimeout, redirect, retry, route, slowstart, status, timeout, trytimeout, url)",
		`@:16: balancers[0].members[1].Route: unknown field (did you mean "route"?)`,
		"@:20: routes[0].rewrite: unknown field (known here: balancer, maxbodysize, path, reverse)",
	}},
}

func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) != len(expectedErrors) {
		t.Errorf("%d bad files, %d in expectedErrors", len(files), len(expectedErrors))
	}
	for _, tc := range expectedErrors {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			_, err := Load(path)
			var list Errors
			if !errors.As(err, &list) {
				t.Fatalf("error %v of type %T, want Errors", err, err)
			}
			want := strings.ReplaceAll(strings.Join(tc.errs, "\n"), "@:", path+":")
			if got := err.Error(); got != want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, want)
			}
			for _, e := range list {
				if e.File != path {
					t.Errorf("%q: File = %q", e.Error(), e.File)
				}
			}
		})
	}
}

// TestValidation covers single mistakes: each case changes one line of
// a valid file and expects exactly one message.
func TestValidation(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, to, want string }{
		{"route: node2", "route: node2\n        loadfactor: 0", "balancer.yaml:13: balancers[0].members[1].loadfactor: must be between 1 and 100, got 0"},
		{"route: node2", "route: node2\n        loadfactor: 100.5", "balancer.yaml:13: balancers[0].members[1].loadfactor: must be between 1 and 100, got 100.5"},
		{"route: node2", "route: node2\n        loadfactor: ~", ""}, // null is unset: the default applies
		{"route: node2", "route: node1", "balancer.yaml:12: balancers[0].members[1].route: duplicate route \"node1\" (members[0])"},
		{"8102", "8101", "balancer.yaml:11: balancers[0].members[1].url: duplicate member \"http://127.0.0.1:8101\" (members[0])"},
		{"http://127.0.0.1:8102", "127.0.0.1:8102", "balancer.yaml:11: balancers[0].members[1].url: unparsable URL \"127.0.0.1:8102\""},
		{"balancer: mycluster", "balancer: shop", "balancer.yaml:15: routes[0].balancer: unknown balancer \"shop\" (have: mycluster)"},
		{"lbmethod: byrequests", "lbmethod: roundrobin", "balancer.yaml:6: balancers[0].lbmethod: must be byrequests, bytraffic or bybusyness, got \"roundrobin\""},
		{"route: node2", "route: node2\n        status: [drained]", "balancer.yaml:13: balancers[0].members[1].status[0]: unknown status \"drained\" (want disabled, stopped, ignore-errors, hot-standby or drain)"},
		{"route: node2", "route: node2\n        redirect: node9", "balancer.yaml:13: balancers[0].members[1].redirect: no member of this balancer has route \"node9\""},
		{"route: node2", "route: node2\n        redirect: node2", "balancer.yaml:13: balancers[0].members[1].redirect: a member cannot redirect to itself"},
		{"route: node2", "route: node2\n        lbset: 100", "balancer.yaml:13: balancers[0].members[1].lbset: must be between 0 and 99, got 100"},
		{"route: node2", "route: node2\n        retry: 5", "balancer.yaml:13: balancers[0].members[1].retry: invalid duration \"5\": a unit is needed, e.g. \"5s\" or \"5ms\""},
		{"route: node2", "route: node2\n        retry: -5s", "balancer.yaml:13: balancers[0].members[1].retry: invalid duration \"-5s\" (want e.g. \"5s\", \"250ms\")"},
		{"route: node2", "route: node2\n        lbset: \"1\"", "balancer.yaml:13: balancers[0].members[1].lbset: want an integer, got \"1\""},
		{"route: node2", "route: node2\n        max: 1.5", "balancer.yaml:13: balancers[0].members[1].max: want an integer, got \"1.5\""},
		{"  - path: /  ", "  - path: shop", "balancer.yaml:14: routes[0].path: must start with /, got \"shop\""},
		{"name: mycluster", "name: my cluster", "balancer.yaml:5: balancers[0].name: \"my cluster\": use letters, digits, '.', '_' and '-'\nbalancer.yaml:15: routes[0].balancer: unknown balancer \"mycluster\" (have: my cluster)"},
		{"JSESSIONID|jsessionid", "JSESSIONID|jsession id", "balancer.yaml:7: balancers[0].stickysession: want COOKIE or COOKIE|PARAM (token characters, under 64 each), got \"JSESSIONID|jsession id\""},
		{"JSESSIONID|jsessionid", strings.Repeat("J", 64), "balancer.yaml:7: balancers[0].stickysession: want COOKIE or COOKIE|PARAM (token characters, under 64 each), got \"" + strings.Repeat("J", 64) + "\""},
		{"route: node2", "route: " + strings.Repeat("n", 64), "balancer.yaml:12: balancers[0].members[1].route: \"" + strings.Repeat("n", 64) + "\": use token characters (letters, digits, '-', '.', '_', …), under 64"},
		{"    members:", "    stickysessionsep: \"\"\n    members:", ""},
		{"    members:", "    stickysessionsep: \" \"\n    members:", "balancer.yaml:8: balancers[0].stickysessionsep: must be one character or off, got \" \""},
		{"    members:", "    stickymode: insert\n    stickycookie: \"route id\"\n    members:", "balancer.yaml:9: balancers[0].stickycookie: want a cookie name (token characters, under 64), got \"route id\""},
		{"    members:", "    healthcheck: {method: head, uri: \"/h?x=1\"}\n    members:", "balancer.yaml:8: balancers[0].healthcheck.uri: must be a path without query or fragment, got \"/h?x=1\""},
		{"listen: \"127.0.0.1:8081\"", "listen: \"8081\"", "balancer.yaml:3: manager.listen: invalid address \"8081\" (want host:port, e.g. \"127.0.0.1:8080\" or \":8080\")"},
		{"listen: \"127.0.0.1:8081\"", "listen: \"127.0.0.1:8081\"\n  auth: {}", "balancer.yaml:4: manager.auth.users: at least one user is required (or remove auth)"},
		{"listen: \"127.0.0.1:8081\"", "listen: \"127.0.0.1:8081\"\nstore: {redis: {addr: a, addrs: [\"b:1\"]}}", "balancer.yaml:4: store.redis.addrs: give addr or addrs, not both\nbalancer.yaml:4: store.redis.addr: invalid address \"a\" (want host:port, e.g. \"127.0.0.1:8080\" or \":8080\")"},
		{"listen: \"127.0.0.1:8081\"", "listen: \"127.0.0.1:8081\"\nstore: {redis: {addrs: [\"a:1\", \"b:1\"], db: 3}}", "balancer.yaml:4: store.redis.db: Redis Cluster has only db 0, got 3"},
		{"listen: \"127.0.0.1:8081\"", "listen: \"127.0.0.1:8081\"\nstore: {redis: {addr: \"a:1\", writerate: -1, lookuprate: -5}}", "balancer.yaml:4: store.redis.writerate: must be 1 or more writes per second, got -1\nbalancer.yaml:4: store.redis.lookuprate: must be 1 or more lookups per second, got -5"},
		{"listen: \"127.0.0.1:8080\"", "listen: [\"127.0.0.1:0\", \"127.0.0.1:0\"]", ""},
		{"    members:", "    maxattempts: 0\n    forcerecovery: false\n    members:", ""},
	}
	for _, tc := range cases {
		t.Run(tc.to, func(t *testing.T) {
			src := strings.Replace(string(base), tc.from, tc.to, 1)
			if src == string(base) {
				t.Fatalf("%q not in the base file", tc.from)
			}
			_, err := Parse("balancer.yaml", []byte(src))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestPasswordNeverPrinted: a clear-text password in place of a hash is
// refused without being echoed.
func TestPasswordNeverPrinted(t *testing.T) {
	for _, pw := range []string{"hunter2", "$2a$10$short", "$1$abc$defghijklmnopqrstuvwxyz"} {
		src := "manager:\n  auth:\n    users:\n      - {name: ops, password: \"" + pw + "\"}\nbalancers: [{name: c, members: [{url: \"http://h\"}]}]\nroutes: [{path: /, balancer: c}]\n"
		_, err := Parse("b.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "users[0].password: must be a bcrypt hash") {
			t.Fatalf("%s: got %v", pw, err)
		}
		if strings.Contains(err.Error(), pw) {
			t.Fatalf("the password is in the message: %v", err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := Load(path)
	if err == nil || err.Error() != path+": no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := &c.Balancers[0]
	m := &b.Members[0]
	b.HealthCheck = &HealthCheck{Interval: Duration(2 * time.Second)}
	b.HealthCheck.applyDefaults(func(string) bool { return false })
	h := b.HealthCheck
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen[0].Addr, "127.0.0.1:8080"},
		{"manager.listen", c.Manager.Listen, "127.0.0.1:8081"},
		{"manager.path", c.Manager.Path, "/balancer-manager"},
		{"store.cluster", c.Store.Cluster, "default"},
		{"accesslog.format", c.AccessLog.Format, "combined"},
		{"gracetime", c.GraceTime.D(), 30 * time.Second},
		{"limits.maxconns", c.Limits.MaxConns, 10000},
		{"limits.readheadertimeout", c.Limits.ReadHeaderTimeout.D(), 10 * time.Second},
		{"limits.idletimeout", c.Limits.IdleTimeout.D(), 60 * time.Second},
		{"limits.idlerelease", c.Limits.IdleRelease.D(), time.Second},
		{"limits.maxheaderbytes", c.Limits.MaxHeaderBytes, Size(16 << 10)},
		{"limits.maxresponseheaderbytes", c.Limits.MaxResponseHeaderBytes, Size(16 << 10)},
		{"lbmethod", b.LBMethod, "byrequests"},
		{"stickysessionsep", b.StickySessionSep, "."},
		{"stickymode", b.StickyMode, "route"},
		{"stickycookie", b.StickyCookie, "ROUTEID"},
		{"maxattempts", b.Attempts(), 1},
		{"forcerecovery", b.Recover(), true},
		{"retrybuffer", b.RetryBuffer, Size(1 << 20)},
		{"sessionlifetime", b.SessionLifetime.D(), 30 * time.Minute},
		{"maxsessions", b.MaxSessions, 100000},
		{"healthcheck.method", h.Method, "GET"},
		{"healthcheck.uri", h.URI, "/"},
		{"healthcheck.timeout", h.Timeout.D(), 2 * time.Second},
		{"healthcheck.passes", h.Passes, 1},
		{"healthcheck.fails", h.Fails, 1},
		{"healthcheck.expect", h.Expect.String(), "200-399"},
		{"loadfactor", m.LoadFactor, 1.0},
		{"retry", m.RetryTime(), 60 * time.Second},
		{"timeout", m.Timeout.D(), 60 * time.Second},
		{"connectiontimeout", m.ConnectionTimeout.D(), 60 * time.Second},
		{"queuetimeout", m.QueueTimeout.D(), time.Second},
	}
	for _, x := range checks {
		if x.got != x.want {
			t.Errorf("%s = %v, want %v", x.name, x.got, x.want)
		}
	}
}

// TestExplicitValues: values the file gives win over defaults, including
// the zeros that mean something.
func TestExplicitValues(t *testing.T) {
	src := `limits: {idlerelease: 0s}
balancers:
  - name: c
    maxattempts: 0
    forcerecovery: false
    retrybuffer: 0
    healthcheck: {method: head, interval: 30s}
    members:
      - url: http://127.0.0.1:8101
        retry: 0s
        timeout: 10s
        status: [Drain]
      - url: http://127.0.0.1:8102
routes:
  - {path: /, balancer: c}
`
	c, err := Parse("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancer("c")
	m := b.Member("http://127.0.0.1:8101")
	checks := []struct {
		name      string
		got, want any
	}{
		{"maxattempts", b.Attempts(), 0},
		{"forcerecovery", b.Recover(), false},
		{"retrybuffer", b.RetryBuffer, Size(0)},
		{"healthcheck.method", b.HealthCheck.Method, "HEAD"},
		{"healthcheck.timeout", b.HealthCheck.Timeout.D(), 5 * time.Second},
		{"retry", m.RetryTime(), time.Duration(0)},
		{"connectiontimeout", m.ConnectionTimeout.D(), 10 * time.Second},
		{"status", m.Has("drain"), true},
		{"limits.idlerelease", c.Limits.IdleRelease.D(), time.Duration(0)},
	}
	for _, x := range checks {
		if x.got != x.want {
			t.Errorf("%s = %v, want %v", x.name, x.got, x.want)
		}
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c, err := Load("testdata/anchors.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancer("shop")
	for i, want := range []struct {
		url, route string
		lf         float64
	}{{"http://127.0.0.1:8101", "node1", 1}, {"http://127.0.0.1:8102", "node2", 1}, {"http://127.0.0.1:8103", "node3", 2}} {
		m := b.Members[i]
		if m.URL != want.url || m.Route != want.route || m.LoadFactor != want.lf || m.Timeout.D() != 30*time.Second || m.RetryTime() != 10*time.Second {
			t.Errorf("member %d = %+v", i, m)
		}
	}
}

func TestHelpers(t *testing.T) {
	c, err := Load("testdata/full.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Balancer("nope") != nil || c.Balancer("shop") != &c.Balancers[0] {
		t.Fatal("Balancer lookup")
	}
	b := c.Balancer("shop")
	if cookie, param := b.StickyNames(); cookie != "JSESSIONID" || param != "jsessionid" {
		t.Errorf("StickyNames = %q, %q", cookie, param)
	}
	if sep, ok := b.Separator(); sep != '.' || !ok {
		t.Errorf("Separator = %q, %v", sep, ok)
	}
	if m := b.MemberByRoute("node2"); m == nil || m.URL != "http://10.0.0.6:8080/app" || !m.Has("drain") || m.Has("disabled") {
		t.Errorf("MemberByRoute(node2) = %+v", m)
	}
	if b.MemberByRoute("") != nil || b.Member("http://nope") != nil {
		t.Error("lookups of absent members")
	}
	b.StickySessionSep = "Off"
	if _, ok := b.Separator(); ok {
		t.Error("Separator with off")
	}
	one := Balancer{Members: []Member{{}}}
	if one.Attempts() != 0 {
		t.Errorf("Attempts with one member = %d", one.Attempts())
	}
}

// FuzzParse: Parse never panics, is deterministic, and every error names
// the file and either a line or nothing (a file-level problem).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("balancers: [{name: c, members: [{url: \"http://h\"}]}]\nroutes: [{path: /, balancer: c}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		_, again := Parse("f.yaml", data)
		if (err == nil) != (again == nil) || err != nil && err.Error() != again.Error() {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err, again)
		}
		if err == nil {
			if c == nil || len(c.Balancers) == 0 || len(c.Routes) == 0 || c.Balancer(c.Routes[0].Balancer) == nil {
				t.Fatalf("valid config without a balancer for its route: %+v", c)
			}
			return
		}
		var list Errors
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error of type %T: %v", err, err)
		}
		for _, e := range list {
			if e.File != "f.yaml" || e.Line < 0 || e.Line == 0 && e.Field != "" {
				t.Fatalf("error without a place: %#v", e)
			}
		}
	})
}

// TestErrorsAreCapped: a file wrong throughout lists maxErrors problems
// and counts the rest.
func TestErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("balancers:\n  - name: c\n    members:\n")
	for i := range 130 {
		fmt.Fprintf(&b, "      - {url: \"http://127.0.0.1:%d\", loadfactor: 0}\n", 1000+i)
	}
	b.WriteString("routes: [{path: /, balancer: c}]\n")
	_, err := Parse("b.yaml", []byte(b.String()))
	var list Errors
	if !errors.As(err, &list) || len(list) != maxErrors+1 {
		t.Fatalf("got %d problems, want %d: %v", len(list), maxErrors+1, err)
	}
	if first, last := list[0].Error(), list[maxErrors].Error(); first != "b.yaml:4: balancers[0].members[0].loadfactor: must be between 1 and 100, got 0" || last != "b.yaml: and 30 more problems" {
		t.Fatalf("first %q, last %q", first, last)
	}
}
