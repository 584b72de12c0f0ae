package deploy

import (
	"net"
	"os"
	"testing"

	"balancer/config"
)

// load parses a configuration file with the balancer's loader.
func load(t *testing.T, name string, data []byte) *config.Config {
	t.Helper()
	cfg, err := config.Parse(name, data)
	if err != nil {
		t.Fatalf("%s does not load:\n%v", name, err)
	}
	return cfg
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return p
}

func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("balancer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := load(t, "balancer.yaml", data)
	b := cfg.Balancers[0]
	if len(b.Members) != 3 || b.HealthCheck == nil {
		t.Errorf("want 3 members and a healthcheck, got %d members, healthcheck %v", len(b.Members), b.HealthCheck)
	}
	if host, _, _ := net.SplitHostPort(cfg.Manager.Listen); host != "127.0.0.1" {
		t.Errorf("the example's manager listens on %s, want loopback", cfg.Manager.Listen)
	}
	for _, m := range b.Members {
		if m.Route == "" {
			t.Errorf("member %s has no route, so nothing sticks to it", m.URL)
		}
	}
}
