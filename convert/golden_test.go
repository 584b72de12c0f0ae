package convert

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"balancer/config"
)

var update = flag.Bool("update", false, "rewrite the golden .yaml and .warnings files from the current output")

// convertFile runs HTTPD on a file the way "balancer convert" does.
func convertFile(t *testing.T, path string) ([]byte, []Warning, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return HTTPD(f, path)
}

func warningText(ws []Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestGolden converts every testdata/*.conf and compares the YAML and the
// warnings with the files beside it; each result must load with config.
func TestGolden(t *testing.T) {
	confs, err := filepath.Glob("testdata/*.conf")
	if err != nil || len(confs) < 6 {
		t.Fatalf("want at least 6 golden configurations, have %d (%v)", len(confs), err)
	}
	for _, conf := range confs {
		t.Run(filepath.Base(conf), func(t *testing.T) {
			out, warns, err := convertFile(t, conf)
			if err != nil {
				t.Fatalf("HTTPD: %v", err)
			}
			base := strings.TrimSuffix(conf, ".conf")
			got := map[string][]byte{".yaml": out, ".warnings": []byte(warningText(warns))}
			for ext, data := range got {
				if *update {
					if err := os.WriteFile(base+ext, data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(base + ext)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(data, want) {
					t.Errorf("%s differs from %s%s (go test -update rewrites it):\n--- got\n%s--- want\n%s", conf, base, ext, data, want)
				}
			}
			if _, err := config.Parse(base+".yaml", out); err != nil {
				t.Errorf("the result does not load:\n%v", err)
			}
			if strings.Contains(string(got[".warnings"]), "does not validate") {
				t.Errorf("the converter reports an invalid result:\n%s", got[".warnings"])
			}
		})
	}
}
