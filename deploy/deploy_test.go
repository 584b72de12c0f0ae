package deploy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

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

// manifest is the part of a Kubernetes object these tests look at.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
		Labels    map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas    *int   `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		ClusterIP   string `yaml:"clusterIP"`
		Selector    yaml.Node
		Ports       []struct {
			Name       string    `yaml:"name"`
			Port       int       `yaml:"port"`
			TargetPort yaml.Node `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"`
	} `yaml:"httpGet"`
	TCPSocket *struct {
		Port yaml.Node `yaml:"port"`
	} `yaml:"tcpSocket"`
	Exec *struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
}

// containerPort resolves a probe's or Service's port (a name or a number)
// to one of the container's ports, or 0.
func (c container) containerPort(n yaml.Node) int {
	for _, p := range c.Ports {
		if n.Value == p.Name || n.Value == strconv.Itoa(p.ContainerPort) {
			return p.ContainerPort
		}
	}
	return 0
}

// expectedKinds are the kinds deploy/kubernetes may hold, by apiVersion.
var expectedKinds = map[string]string{
	"Namespace": "v1", "ConfigMap": "v1", "Service": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "NetworkPolicy": "networking.k8s.io/v1",
}

// manifests reads every document of every file in deploy/kubernetes.
func manifests(t *testing.T) []manifest {
	t.Helper()
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests in kubernetes/")
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			where := f + " document " + strconv.Itoa(i)
			switch {
			case m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "":
				t.Errorf("%s: want apiVersion, kind and metadata.name, got %q %q %q", where, m.APIVersion, m.Kind, m.Metadata.Name)
			case expectedKinds[m.Kind] == "":
				t.Errorf("%s: unexpected kind %s", where, m.Kind)
			case expectedKinds[m.Kind] != m.APIVersion:
				t.Errorf("%s: %s wants apiVersion %s, got %s", where, m.Kind, expectedKinds[m.Kind], m.APIVersion)
			case m.Kind != "Namespace" && m.Metadata.Namespace != "balancer":
				t.Errorf("%s: %s/%s is in namespace %q, want balancer", where, m.Kind, m.Metadata.Name, m.Metadata.Namespace)
			}
			out = append(out, m)
		}
	}
	return out
}

func find(ms []manifest, kind, name string) *manifest {
	for i := range ms {
		if ms[i].Kind == kind && ms[i].Metadata.Name == name {
			return &ms[i]
		}
	}
	return nil
}

// matchLabels reads a selector (a plain map for a Service, matchLabels
// for workloads).
func matchLabels(t *testing.T, n yaml.Node) map[string]string {
	t.Helper()
	var plain map[string]string
	var nested struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	if err := n.Decode(&nested); err == nil && nested.MatchLabels != nil {
		return nested.MatchLabels
	}
	if err := n.Decode(&plain); err != nil {
		t.Fatalf("selector: %v", err)
	}
	return plain
}

func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetes(t *testing.T) {
	ms := manifests(t)
	for _, kind := range []string{"Namespace", "ConfigMap", "Deployment", "Service", "StatefulSet"} {
		if !containsKind(ms, kind) {
			t.Errorf("no %s in kubernetes/", kind)
		}
	}
	for _, m := range ms {
		if m.Kind != "Deployment" && m.Kind != "StatefulSet" {
			continue
		}
		name := m.Kind + "/" + m.Metadata.Name
		if !selects(matchLabels(t, m.Spec.Selector), m.Spec.Template.Metadata.Labels) {
			t.Errorf("%s: the selector does not select the pod template's labels", name)
		}
		pod := m.Spec.Template.Spec
		if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: want runAsNonRoot: true", name)
		}
		for _, c := range pod.Containers {
			cn := name + " container " + c.Name
			for what, p := range map[string]*probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
				switch {
				case p == nil:
					t.Errorf("%s: no %s", cn, what)
				case p.HTTPGet != nil && c.containerPort(p.HTTPGet.Port) == 0:
					t.Errorf("%s: %s port %q is not a containerPort", cn, what, p.HTTPGet.Port.Value)
				case p.TCPSocket != nil && c.containerPort(p.TCPSocket.Port) == 0:
					t.Errorf("%s: %s port %q is not a containerPort", cn, what, p.TCPSocket.Port.Value)
				}
			}
			sc := c.SecurityContext
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				strings.Join(sc.Capabilities.Drop, ",") != "ALL" {
				t.Errorf("%s: want readOnlyRootFilesystem, no privilege escalation and capabilities drop ALL, got %+v", cn, sc)
			}
			if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
				t.Errorf("%s: want cpu and memory requests and a memory limit, got %+v", cn, c.Resources)
			}
		}
	}
	for _, s := range ms {
		if s.Kind != "Service" {
			continue
		}
		var target *manifest
		for i := range ms {
			if (ms[i].Kind == "Deployment" || ms[i].Kind == "StatefulSet") && selects(matchLabels(t, s.Spec.Selector), ms[i].Spec.Template.Metadata.Labels) {
				target = &ms[i]
			}
		}
		if target == nil {
			t.Errorf("Service/%s selects no workload", s.Metadata.Name)
			continue
		}
		for _, p := range s.Spec.Ports {
			if target.Spec.Template.Spec.Containers[0].containerPort(p.TargetPort) == 0 {
				t.Errorf("Service/%s port %s: targetPort %q is not a port of %s", s.Metadata.Name, p.Name, p.TargetPort.Value, target.Metadata.Name)
			}
		}
	}
	checkBalancerDeployment(t, ms)
}

func containsKind(ms []manifest, kind string) bool {
	for _, m := range ms {
		if m.Kind == kind {
			return true
		}
	}
	return false
}

// checkBalancerDeployment follows the balancer's Deployment to its
// ConfigMap and checks the configuration against the other manifests.
func checkBalancerDeployment(t *testing.T, ms []manifest) {
	d := find(ms, "Deployment", "balancer")
	if d == nil {
		t.Fatal("no Deployment/balancer")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("Deployment/balancer: want 2 replicas")
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if len(c.Args) != 2 || c.Args[0] != "-config" {
		t.Fatalf("balancer args %q: want -config FILE", c.Args)
	}
	var cm *manifest
	for _, v := range pod.Volumes {
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name && v.ConfigMap != nil && filepath.Dir(c.Args[1]) == vm.MountPath {
				cm = find(ms, "ConfigMap", v.ConfigMap.Name)
			}
		}
	}
	if cm == nil {
		t.Fatalf("%s is not in a ConfigMap mounted into the balancer", c.Args[1])
	}
	text, ok := cm.Data[filepath.Base(c.Args[1])]
	if !ok {
		t.Fatalf("ConfigMap/%s has no key %s", cm.Metadata.Name, filepath.Base(c.Args[1]))
	}
	cfg := load(t, "ConfigMap/"+cm.Metadata.Name, []byte(text))
	ports := map[string]string{}
	for _, p := range c.Ports {
		ports[p.Name] = strconv.Itoa(p.ContainerPort)
	}
	if got := port(t, cfg.Listen[0].Addr); got != ports["http"] {
		t.Errorf("listen port %s is not the container's http port %s", got, ports["http"])
	}
	if got := port(t, cfg.Manager.Listen); got != ports["manager"] || c.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("manager port %s, probe %s: want the container's manager port %s and /healthz", got, c.ReadinessProbe.HTTPGet.Path, ports["manager"])
	}
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds <= int(cfg.GraceTime.D().Seconds()) {
		t.Errorf("terminationGracePeriodSeconds must exceed gracetime %v", cfg.GraceTime.D())
	}
	if cfg.Store.Redis == nil {
		t.Fatal("the ConfigMap's configuration shares no state through Redis")
	}
	host, rport, _ := net.SplitHostPort(cfg.Store.Redis.Addr)
	if svc := find(ms, "Service", host); svc == nil || strconv.Itoa(svc.Spec.Ports[0].Port) != rport {
		t.Errorf("store.redis.addr %s names no Service port", cfg.Store.Redis.Addr)
	}
	// Members are the StatefulSet's pods by their stable names, routed by
	// the same names (each node's -worker is $(POD_NAME)).
	for _, b := range cfg.Balancers {
		for _, m := range b.Members {
			h := strings.TrimPrefix(m.URL, "http://")
			pod, rest, _ := strings.Cut(h, ".")
			svcName, mport, _ := strings.Cut(rest, ":")
			set, svc := find(ms, "StatefulSet", svcName), find(ms, "Service", svcName)
			i := strings.LastIndexByte(pod, '-')
			n, err := strconv.Atoi(pod[i+1:])
			switch {
			case set == nil || svc == nil || i < 0 || err != nil:
				t.Errorf("member %s is not a StatefulSet pod behind its headless Service", m.URL)
			case set.Spec.ServiceName != svcName || svc.Spec.ClusterIP != "None":
				t.Errorf("member %s: Service/%s must be the StatefulSet's headless service", m.URL, svcName)
			case pod[:i] != set.Metadata.Name || set.Spec.Replicas == nil || n >= *set.Spec.Replicas:
				t.Errorf("member %s: no such pod in StatefulSet/%s", m.URL, set.Metadata.Name)
			case m.Route != pod:
				t.Errorf("member %s: route %q, want the pod name %q (the node's worker name)", m.URL, m.Route, pod)
			case strconv.Itoa(set.Spec.Template.Spec.Containers[0].containerPort(yaml.Node{Value: "http"})) != mport:
				t.Errorf("member %s: port %s is not the node's http port", m.URL, mport)
			}
			if set != nil && !strings.Contains(strings.Join(set.Spec.Template.Spec.Containers[0].Args, " "), "-worker $(POD_NAME)") {
				t.Errorf("StatefulSet/%s: the node's -worker must be $(POD_NAME)", set.Metadata.Name)
			}
		}
	}
}

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
