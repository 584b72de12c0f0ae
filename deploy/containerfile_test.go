package deploy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// containerStages returns the stage names of a Containerfile.
func containerStages(t *testing.T, file string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) >= 4 && strings.EqualFold(f[0], "FROM") && strings.EqualFold(f[2], "AS") {
			stages[f[3]] = true
		}
	}
	return stages
}

func TestContainerfile(t *testing.T) {
	data, err := os.ReadFile("container/Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages []*cfStage
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if strings.EqualFold(f[0], "FROM") {
			s := &cfStage{from: f[1]}
			if len(f) >= 4 {
				s.name = f[3]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("instruction before FROM: %s", l)
		}
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, l)
	}
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stages", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.Contains(build.from, "golang:1.26") {
		t.Errorf("the build stage is %s, want golang:1.26 (go.mod's go version)", build.from)
	}
	all := strings.Join(build.lines, "\n")
	if !strings.Contains(all, "CGO_ENABLED=0") {
		t.Error("the build does not set CGO_ENABLED=0 (static binaries for a libc-less image)")
	}
	for _, pkg := range []string{"./cmd/balancer", "./cmd/appnode"} {
		if !strings.Contains(all, pkg) {
			t.Errorf("the build does not build %s", pkg)
		}
		if st, err := os.Stat(filepath.Join("..", pkg)); err != nil || !st.IsDir() {
			t.Errorf("%s does not exist in the repository", pkg)
		}
	}
	if !strings.Contains(final.from, "distroless/static") && final.from != "scratch" {
		t.Errorf("the final image is %s, want distroless static or scratch", final.from)
	}
	var user, expose, entry string
	for _, l := range final.lines {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "EXPOSE":
			expose = strings.Join(f[1:], " ")
		case "ENTRYPOINT":
			entry = l
		case "COPY":
			if strings.HasPrefix(f[1], "--from=") && !stagesHave(stages, strings.TrimPrefix(f[1], "--from=")) {
				t.Errorf("%s copies from an unknown stage", l)
			}
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 || n != 65532 {
		t.Errorf("the final stage runs as %q, want USER 65532", user)
	}
	if expose != "8080 8081" {
		t.Errorf("EXPOSE %q, want 8080 8081", expose)
	}
	if !strings.Contains(entry, "/balancer\"") {
		t.Errorf("ENTRYPOINT %q does not run the balancer", entry)
	}
}

// cfStage is one stage of a Containerfile.
type cfStage struct {
	from, name string
	lines      []string
}

func stagesHave(stages []*cfStage, name string) bool {
	for _, s := range stages {
		if s.name == name {
			return true
		}
	}
	return false
}
