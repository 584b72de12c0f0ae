package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"balancer/config"
	"gopkg.in/yaml.v3"
)

// FuzzHTTPD feeds arbitrary text to the converter: it must never panic,
// and whatever it returns must be YAML that the configuration loader
// accepts (the converter leaves out what would not validate, with a
// warning, rather than write it).
func FuzzHTTPD(f *testing.F) {
	confs, _ := filepath.Glob("testdata/*.conf")
	for _, c := range confs {
		data, err := os.ReadFile(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("<Proxy balancer://x>\nBalancerMember http://h:1 route=a\n</Proxy>\nProxyPass / balancer://x/\n"))
	f.Add([]byte("ProxyPass / http://h:1/ \\\n"))
	f.Add([]byte("<Proxy balancer://x>\n<VirtualHost *:80>\n</Proxy>\n</VirtualHost>\nInclude *\n"))
	f.Add([]byte("Listen [::1]:80\nListen 8081\nProxyPass /\x00 balancer://\xff/\nBalancerMember balancer://\xff http://h:1 route=\"a b\"\n"))
	dir := f.TempDir()
	name := filepath.Join(dir, "httpd.conf")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, warns, err := HTTPD(bytes.NewReader(data), name)
		for _, w := range warns {
			if w.File == "" || strings.Contains(w.String(), "does not validate") && err == nil {
				t.Fatalf("warning %q for:\n%q\nresult:\n%s", w, data, out)
			}
		}
		if err != nil {
			return
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, out)
		}
		if _, err := config.Parse("result.yaml", out); err != nil {
			t.Fatalf("result does not load: %v\ninput:\n%q\nresult:\n%s", err, data, out)
		}
	})
}
