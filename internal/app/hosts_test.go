package app

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"balancer/config"
	"balancer/internal/testutil"
)

// manager.hosts and manager.auth.metrics reach the manager from the file.
func TestManagerHostsAndMetricsAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	type probe struct {
		path, host string
		user       bool
		status     int
	}
	tests := []struct {
		name    string
		manager string
		probes  []probe
	}{
		{"hosts", "  hosts: [mgr.example.test]\n", []probe{
			{"/balancer-manager/api/nonce", "mgr.example.test:8081", false, 200},
			{"/balancer-manager/api/nonce", "evil.example.test", false, 421},
			{"/metrics", "evil.example.test", false, 421},
			{"/metrics", "", false, 200},
		}},
		{"metrics behind credentials", "  auth:\n    metrics: true\n    users:\n      - name: ops\n        password: \"" + string(hash) + "\"\n", []probe{
			{"/metrics", "", false, 401},
			{"/metrics", "", true, 200},
			{"/healthz", "", false, 200},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testutil.StartMember(t, "node1")
			yml := "listen: 127.0.0.1:0\nmanager:\n  listen: 127.0.0.1:0\n" + tc.manager +
				"balancers:\n  - name: c\n    members:\n      - url: " + m.URL + "\nroutes:\n  - path: /\n    balancer: c\n"
			path := filepath.Join(t.TempDir(), "balancer.yaml")
			if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Start(cfg, Options{Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Stop(time.Second) })
			for _, p := range tc.probes {
				req, _ := http.NewRequest(http.MethodGet, "http://"+a.ManagerAddr()+p.path, nil)
				if p.host != "" {
					req.Host = p.host
				}
				if p.user {
					req.SetBasicAuth("ops", "pw")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != p.status {
					t.Errorf("%s with Host %q (credentials %v): status %d, want %d", p.path, p.host, p.user, resp.StatusCode, p.status)
				}
			}
		})
	}
}
