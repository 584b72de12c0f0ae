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
)

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
