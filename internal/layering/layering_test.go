// Package layering holds the test that keeps the package graph in the
// direction DESIGN.md §1 draws: cmd → {proxy, manager-ui, cluster} →
// {health, affinity, lbmethod, config} → stdlib, with the leaves free of
// HTTP and I/O, HTML out of proxy, go-redis in cluster and session only.
package layering

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "balancer/"

// pkg is one package of the module as go list sees it (tests excluded).
type pkg struct {
	path    string   // relative to the module: "proxy", "cmd/balancer"
	imports []string // direct imports, as written
	deps    []string // every package it depends on
}

// rule is what one package may import directly, from the project and from
// outside the standard library; forbid names standard packages (or
// prefixes of them: "net/http" covers net/http/pprof) it must not import.
type rule struct {
	project []string
	third   []string
	forbid  []string
}

var (
	fasthttp   = "github.com/valyala/fasthttp"
	prometheus = "github.com/prometheus/client_golang"
	goredis    = "github.com/redis/go-redis/v9"
	yaml       = "gopkg.in/yaml.v3"
	// noNetwork: a package that neither serves nor calls over the network.
	noNetwork = []string{"net/http", "crypto/tls", "html", "os/exec", "syscall", "log"}
	// pure: a leaf with no I/O at all (no files, sockets, processes, logs).
	pure = append([]string{"os", "io/fs", "net", "path/filepath", "bufio"}, noNetwork...)
)

// rules is DESIGN.md §1's table, with the packages the table does not name
// (accesslog, convert, internal/*, bench/*) as they are meant to be. A
// package without a rule fails the test: a new package takes its place in
// the graph on purpose.
var rules = map[string]rule{
	// Leaves.
	"config":   {third: []string{yaml}, forbid: noNetwork}, // loads and writes back its file
	"affinity": {forbid: pure},
	"lbmethod": {forbid: pure},
	// Middle: each declares the interfaces it needs; none knows proxy.
	"health":            {third: []string{fasthttp}, forbid: []string{"html", "os/exec"}},
	"convert":           {project: []string{"config"}, third: []string{yaml}, forbid: noNetwork}, // httpd configuration → YAML
	"internal/handover": {third: []string{fasthttp}, forbid: []string{"html", "os/exec"}},
	"proxy": {
		project: []string{"config", "affinity", "lbmethod", "health", "internal/handover"},
		third:   []string{fasthttp, prometheus},
		forbid:  []string{"html", "os/exec"},
	},
	"accesslog":  {project: []string{"proxy"}, third: []string{fasthttp}, forbid: []string{"html", "os/exec"}}, // writes proxy's per-request record
	"manager-ui": {project: []string{"config"}, third: []string{fasthttp, prometheus, "golang.org/x/crypto/bcrypt"}, forbid: []string{"os/exec"}},
	"cluster":    {project: []string{"config", "affinity"}, third: []string{goredis}, forbid: []string{"net/http", "html", "os/exec"}},
	"session":    {third: []string{goredis, fasthttp}, forbid: []string{"os/exec"}},
	// session's demo pages; cmd/appnode serves them.
	"session/appnode": {project: []string{"session"}, forbid: []string{"os/exec"}},
	// The wiring of the balancer binary: everything of the product but the
	// commands, the node library and the converter.
	"internal/app": {
		project: []string{"accesslog", "cluster", "config", "health", "internal/handover", "manager-ui", "proxy"},
		third:   []string{fasthttp, prometheus, "golang.org/x/sys/unix"},
	},
	// Serves the tests of every package, so it imports none of them.
	"internal/testutil": {forbid: []string{"html"}},
	// Commands.
	"cmd/balancer": {project: []string{"config", "convert", "internal/app", "session", "session/appnode"}},
	"cmd/appnode":  {project: []string{"session", "session/appnode"}},
	// Test-only and data folders.
	"deploy": {}, "deploy/grafana": {}, "interop": {},
}

// benchRule: the measurement tools under bench/ are commands outside the
// product; they may use any package but the other commands.
var benchRule = rule{third: []string{fasthttp, goredis}}

// tree rules: what a package must not depend on, directly or not.
var notBelow = map[string][]string{
	"proxy":      {"html/template", "manager-ui", "cluster", "internal/app", "session", goredis},
	"health":     {"proxy", "manager-ui", "cluster"},
	"manager-ui": {"proxy", "cluster", "health", goredis},
	"cluster":    {"proxy", "manager-ui", "health", "net/http", fasthttp},
	"config":     {"net/http", fasthttp, goredis, prometheus},
	"affinity":   {"net/http", fasthttp},
	"lbmethod":   {"net/http", fasthttp},
	"accesslog":  {"manager-ui", "cluster", goredis},
}

func TestImportDirection(t *testing.T) {
	pkgs := list(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		for _, v := range violations(p) {
			t.Error(v)
		}
	}
}

// TestViolationsAreFound: each kind of rule catches a package that breaks
// it (the rules above are only worth what this proves).
func TestViolationsAreFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    pkg
		want string
	}{
		{"a leaf imports HTTP", pkg{path: "lbmethod", imports: []string{"net/http"}}, "lbmethod imports net/http"},
		{"a leaf imports a project package", pkg{path: "affinity", imports: []string{module + "config"}}, "affinity imports config"},
		{"proxy knows HTML", pkg{path: "proxy", deps: []string{"html/template"}}, "proxy depends on html/template"},
		{"proxy knows the page", pkg{path: "proxy", imports: []string{module + "manager-ui"}}, "proxy imports manager-ui"},
		{"go-redis outside cluster and session", pkg{path: "proxy", imports: []string{goredis}}, "proxy imports " + goredis},
		{"health knows proxy", pkg{path: "health", deps: []string{module + "proxy"}}, "health depends on proxy"},
		{"manager-ui knows proxy", pkg{path: "manager-ui", deps: []string{module + "proxy"}}, "manager-ui depends on proxy"},
		{"a command imported", pkg{path: "internal/app", imports: []string{module + "cmd/balancer"}}, "internal/app imports cmd/balancer"},
		{"testutil in product code", pkg{path: "cluster", imports: []string{module + "internal/testutil"}}, "cluster imports internal/testutil"},
		{"a package without a rule", pkg{path: "newthing"}, "newthing has no rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := violations(tc.p)
			if !slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, tc.want) }) {
				t.Fatalf("violations %q, want one with %q", vs, tc.want)
			}
		})
	}
	if vs := violations(pkg{path: "proxy", imports: []string{module + "config", fasthttp, "net/http"}}); len(vs) != 0 {
		t.Fatalf("allowed imports refused: %q", vs)
	}
}

// violations returns what p breaks.
func violations(p pkg) []string {
	r, ok := rules[p.path]
	if strings.HasPrefix(p.path, "bench/") {
		r, ok = benchRule, true
	}
	if !ok {
		return []string{fmt.Sprintf("%s has no rule in the import table (internal/layering): give it its place in DESIGN.md §1's direction", p.path)}
	}
	var vs []string
	for _, full := range p.imports {
		imp, project := strings.CutPrefix(full, module)
		switch {
		case project && strings.HasPrefix(imp, "cmd/"):
			vs = append(vs, fmt.Sprintf("%s imports %s: nothing imports a command", p.path, imp))
		case project && imp == "internal/testutil" && !strings.HasPrefix(p.path, "bench/"):
			vs = append(vs, fmt.Sprintf("%s imports internal/testutil, which only tests may use", p.path))
		case project:
			if !strings.HasPrefix(p.path, "bench/") && !slices.Contains(r.project, imp) {
				vs = append(vs, fmt.Sprintf("%s imports %s, outside its place in the graph (it may import %v)", p.path, imp, r.project))
			}
		case strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
			if !slices.ContainsFunc(r.third, func(a string) bool { return under(imp, a) }) {
				vs = append(vs, fmt.Sprintf("%s imports %s (it may import %v from outside the standard library)", p.path, imp, r.third))
			}
		default:
			if i := slices.IndexFunc(r.forbid, func(f string) bool { return under(imp, f) }); i >= 0 {
				vs = append(vs, fmt.Sprintf("%s imports %s, which it must not (%s)", p.path, imp, r.forbid[i]))
			}
		}
	}
	all := append(slices.Clone(p.deps), p.imports...)
	for _, bad := range notBelow[p.path] {
		if i := slices.IndexFunc(all, func(d string) bool { return under(strings.TrimPrefix(d, module), bad) }); i >= 0 {
			vs = append(vs, fmt.Sprintf("%s depends on %s (through its imports: %s)", p.path, bad, strings.TrimPrefix(all[i], module)))
		}
	}
	return vs
}

// under reports whether path is pkg or one of its sub-packages.
func under(path, pkg string) bool { return path == pkg || strings.HasPrefix(path, pkg+"/") }

// list runs go list over the module: every package's direct imports and
// dependencies, without tests.
func list(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 || strings.HasPrefix(f[0], module+"internal/layering") {
			continue
		}
		path, _, _ := strings.Cut(f[0], " [")
		pkgs = append(pkgs, pkg{path: strings.TrimPrefix(path, module), imports: split(f[1]), deps: split(f[2])})
	}
	return pkgs
}

// split splits a comma-separated list of import paths. A command with a
// PGO profile (cmd/balancer/default.pgo) has its dependencies listed as
// variants built for it, "config [balancer/cmd/balancer]": the package is
// the part before the bracket.
func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p, _, _ = strings.Cut(p, " [")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
