//go:build interop

package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// app is one clustered application behind the balancer: a context path
// served by two nodes, routed by its own balancer.
type app struct {
	name     string // subtest name
	path     string // context path, also the balancer's route
	balancer string
	nodes    []*javaNode
	// reissues: the node that takes a session over sends its cookie again
	// with its own route (Jetty, Tomcat with JvmRouteBinderValve).
	reissues bool
}

// node returns the app's node with the route.
func (a *app) node(route string) *javaNode {
	for _, n := range a.nodes {
		if n.route == route {
			return n
		}
	}
	panic("no node " + route)
}

// other returns the app's node that is not route.
func (a *app) other(route string) *javaNode {
	for _, n := range a.nodes {
		if n.route != route {
			return n
		}
	}
	panic("no node besides " + route)
}

// buildBalancer builds cmd/balancer into dir with the race detector: the
// binary then reports any data race it meets under real servers, and after
// ./test.sh's race-enabled suite its packages are already compiled that way.
func buildBalancer(dir string) (string, error) {
	bin := filepath.Join(dir, "balancer")
	out, err := exec.Command("go", "build", "-race", "-o", bin, "../cmd/balancer").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build -race ../cmd/balancer: %v\n%s", err, out)
	}
	return bin, nil
}

// raceReport returns what the race detector wrote to the balancer's log.
func raceReport(p *proc) string {
	b, err := os.ReadFile(p.logPath())
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.Index(s, "WARNING: DATA RACE"); i >= 0 {
		return s[i:min(len(s), i+4000)]
	}
	return ""
}

// balancerConfig is the balancer's YAML: one balancer per app, members
// retried one second after an error so that a node that comes back takes
// new sessions soon. As with httpd's ProxyPass, the route's path is
// replaced by the member URL's, so each member URL ends in the context
// path: /tc/counter reaches the node as /tc/counter, and the cookie path
// the node sets needs no rewriting.
func balancerConfig(dir, listen, manager string, apps []*app) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\nmanager:\n  listen: %q\n", listen, manager)
	fmt.Fprintf(&b, "accesslog: {path: %q, format: json}\nbalancers:\n", filepath.Join(dir, "access.log"))
	for _, a := range apps {
		fmt.Fprintf(&b, "  - name: %s\n    lbmethod: byrequests\n    stickysession: JSESSIONID|jsessionid\n    members:\n", a.balancer)
		for _, n := range a.nodes {
			fmt.Fprintf(&b, "      - {url: %q, route: %s, retry: 1s}\n", n.url()+a.path, n.route)
		}
	}
	b.WriteString("routes:\n")
	for _, a := range apps {
		fmt.Fprintf(&b, "  - {path: %s, balancer: %s}\n", a.path, a.balancer)
	}
	return b.String()
}

// startBalancer writes the configuration and runs the binary.
func startBalancer(dir, bin, listen, manager string, apps []*app) (*proc, error) {
	cfg := filepath.Join(dir, "balancer.yaml")
	if err := os.WriteFile(cfg, []byte(balancerConfig(dir, listen, manager, apps)), 0o644); err != nil {
		return nil, err
	}
	p := &proc{name: "balancer", argv: []string{bin, "-config", cfg}, dir: dir,
		ready: answers200("http://" + manager + "/healthz")}
	return p, p.Start()
}

// memberState is what the manager API says of a member.
type memberState struct {
	Route      string   `json:"route"`
	Status     []string `json:"status"`
	Usable     bool     `json:"usable"`
	Busy       int64    `json:"busy"`
	LBStatus   int64    `json:"lbstatus"`
	Sessions   int      `json:"sessions"`
	SafeToStop bool     `json:"safetostop"`
}

const managerPath = "/balancer-manager"

// member reads a member's state through the manager API.
func member(balancer, route string) (memberState, error) {
	var m memberState
	resp, err := http.Get(fmt.Sprintf("http://%s%s/api/balancers/%s/members/%s", lab.managerAddr, managerPath, balancer, route))
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("manager API: %s", resp.Status)
	}
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// setStatus sets a member's status flags through the manager API, with
// the nonce a script gets from it.
func setStatus(balancer, route string, status ...string) error {
	base := "http://" + lab.managerAddr + managerPath + "/api"
	resp, err := http.Get(base + "/nonce")
	if err != nil {
		return err
	}
	var n struct{ Nonce string }
	err = json.NewDecoder(resp.Body).Decode(&n)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if status == nil {
		status = []string{}
	}
	body, _ := json.Marshal(map[string][]string{"status": status})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/balancers/%s/members/%s", base, balancer, route), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Balancer-Nonce", n.Nonce)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("manager API: %s", resp.Status)
	}
	return nil
}
