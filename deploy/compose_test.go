package deploy

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// compose is the part of a compose file these tests look at.
type compose struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
			Target     string `yaml:"target"`
		} `yaml:"build"`
		Command []string `yaml:"command"`
		Ports   []string `yaml:"ports"`
		Volumes []string `yaml:"volumes"`
	} `yaml:"services"`
}

func TestCompose(t *testing.T) {
	data, err := os.ReadFile("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, name := range []string{"balancer", "redis", "node1", "node2", "node3"} {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("compose.yaml has no service %s", name)
		}
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		if b := s.Build; b != nil {
			file := filepath.Join("compose", b.Context, b.Dockerfile)
			stages := containerStages(t, file)
			if !stages[b.Target] {
				t.Errorf("service %s builds target %q, which %s does not have", name, b.Target, file)
			}
		}
	}
	bal := c.Services["balancer"]
	var cfgFile string
	for _, v := range bal.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && strings.Join(bal.Command, " ") == "-config "+parts[1] {
			cfgFile = filepath.Join("compose", parts[0])
		}
	}
	if cfgFile == "" {
		t.Fatalf("the balancer's -config file (%q) is not a mounted volume (%q)", bal.Command, bal.Volumes)
	}
	cdata, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := load(t, cfgFile, cdata)
	mport := port(t, cfg.Manager.Listen)
	published := false
	for _, p := range bal.Ports {
		parts := strings.Split(p, ":")
		if parts[len(parts)-1] != mport {
			continue
		}
		published = true
		if len(parts) != 3 || parts[0] != "127.0.0.1" {
			t.Errorf("the manager port is published as %q: want it on 127.0.0.1 only", p)
		}
	}
	if !published {
		t.Errorf("the manager port %s is not published", mport)
	}
	if h, _, _ := net.SplitHostPort(cfg.Manager.Listen); h != "0.0.0.0" {
		t.Errorf("inside the container the manager must listen on 0.0.0.0 to be published, got %s", cfg.Manager.Listen)
	}
	members := map[string]string{}
	for _, m := range cfg.Balancers[0].Members {
		members[m.Route] = m.URL
	}
	for _, node := range []string{"node1", "node2", "node3"} {
		args := strings.Join(c.Services[node].Command, " ")
		listen, store := flagValue(args, "-listen"), flagValue(args, "-store")
		if flagValue(args, "-worker") != node || members[node] != "http://"+node+listen {
			t.Errorf("service %s (%s): want -worker %s and member http://%s%s, the balancer has %q", node, args, node, node, listen, members[node])
		}
		if !strings.HasPrefix(store, "redis://redis:") {
			t.Errorf("service %s keeps sessions in %q, want the redis service", node, store)
		}
	}
	if cfg.Store.Redis == nil || cfg.Store.Redis.Addr != "redis:6379" {
		t.Errorf("the balancer shares no state through the redis service")
	}
}

// flagValue returns the word after name in a command line.
func flagValue(args, name string) string {
	f := strings.Fields(args)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == name {
			return f[i+1]
		}
	}
	return ""
}
