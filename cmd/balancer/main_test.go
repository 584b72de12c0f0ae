package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestMain runs the real command when the test binary is started by a
// test as the balancer process (Prometheus' -test.main pattern), so tests
// exercise the real binary, signals included.
func TestMain(m *testing.M) {
	if os.Getenv("BALANCER_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// proc is a balancer process started by a test.
type proc struct {
	cmd    *exec.Cmd
	stderr *testutil.LogBuffer
}

// startBinary starts the balancer with args and waits until addr accepts.
func startBinary(t *testing.T, addr string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BALANCER_TEST_MAIN=1")
	stderr := &testutil.LogBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: stderr}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	waitListening(t, addr, p)
	return p
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string, p *proc) {
	t.Helper()
	defer p.logOnFailure(t)
	testutil.Eventually(t, "balancer listening on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, testutil.Within(20*time.Second))
}

// waitLog waits until the process has logged a line containing s.
func (p *proc) waitLog(t *testing.T, s string) {
	t.Helper()
	defer p.logOnFailure(t)
	testutil.Eventually(t, "the balancer logs "+strconv.Quote(s), func() bool { return strings.Contains(p.stderr.String(), s) })
}

// logOnFailure shows the process's stderr when the test has failed.
func (p *proc) logOnFailure(t *testing.T) {
	if t.Failed() {
		t.Logf("balancer stderr:\n%s", p.stderr.String())
	}
}

// freeAddr returns a 127.0.0.1 address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// procStatus reads a field (in kB) of /proc/PID/status.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	t.Fatalf("%s not in /proc/%d/status", field, pid)
	return 0
}

func TestCheckCommand(t *testing.T) {
	good := writeFile(t, "good.yaml", `
balancers:
  - name: c
    members:
      - url: http://127.0.0.1:8101
        route: node1
routes:
  - path: /
    balancer: c
`)
	bad := writeFile(t, "balancer.yaml", `
balancers:
  - name: c
    members:
      - url: http://127.0.0.1:8101
        route: node1
        loadfactor: 0
routes:
  - path: /
    balancer: c
`)
	var out, errb bytes.Buffer
	if code := run([]string{"check", "-config", good}, &out, &errb); code != 0 {
		t.Fatalf("valid file: exit %d, stderr %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"check", "-config", bad}, &out, &errb); code != 1 {
		t.Fatalf("invalid file: exit %d, want 1", code)
	}
	want := bad + ":7: balancers[0].members[0].loadfactor: must be between 1 and 100, got 0"
	if !strings.Contains(errb.String(), want) {
		t.Fatalf("check printed %q, want a line %q", errb.String(), want)
	}
}

// TestStreamingKeepsMemoryFlat sends 1 GiB through the real balancer and
// measures its peak resident memory before and after.
func TestStreamingKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB transfer")
	}
	member := startMember(t)
	addr, mgr := freeAddr(t), freeAddr(t)
	cfg := writeFile(t, "b.yaml", fmt.Sprintf(`
listen: %q
manager:
  listen: %q
balancers:
  - name: c
    members:
      - url: %s
        route: node1
routes:
  - path: /
    balancer: c
`, addr, mgr, member))
	p := startBinary(t, addr, "-config", cfg)
	// Warm up, then take the baseline.
	download(t, "http://"+addr+"/big?n=1048576")
	before := procStatus(t, p.cmd.Process.Pid, "VmHWM")
	for _, q := range []string{"n=1073741824", "n=268435456&chunked=1"} {
		n := download(t, "http://"+addr+"/big?"+q)
		want, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(q, "n="), "&chunked=1"), 10, 64)
		if n != want {
			t.Fatalf("%s: got %d bytes, want %d", q, n, want)
		}
	}
	after := procStatus(t, p.cmd.Process.Pid, "VmHWM")
	growth := (after - before) / 1024
	t.Logf("peak RSS before %d KiB, after 1.25 GiB streamed %d KiB: +%d MiB", before, after, growth)
	if growth > 16 {
		t.Fatalf("peak resident memory grew by %d MiB while streaming", growth)
	}
}

func download(t *testing.T, url string) int64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startMember runs a member that streams /big?n=N bytes.
func startMember(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
		buf := make([]byte, 256<<10)
		for n > 0 {
			k := min(n, int64(len(buf)))
			if _, err := w.Write(buf[:k]); err != nil {
				return
			}
			n -= k
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestGracefulStop: SIGTERM lets an in-flight request finish, refuses
// new connections, and the process exits 0.
func TestGracefulStop(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	arrived, release := m.Hold()
	defer release()
	addr, mgr := freeAddr(t), freeAddr(t)
	cfg := writeFile(t, "b.yaml", fmt.Sprintf(`
listen: %q
manager:
  listen: %q
gracetime: 5s
balancers:
  - name: c
    members:
      - url: %s
routes:
  - path: /
    balancer: c
`, addr, mgr, m.URL))
	p := startBinary(t, addr, "-config", cfg)
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{body: string(b)}
	}()
	testutil.Receive(t, arrived, "the request at the member") // in flight, held there
	p.cmd.Process.Signal(syscall.SIGTERM)
	testutil.Eventually(t, "new connections refused after SIGTERM", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case r := <-res:
		t.Fatalf("the in-flight request ended before the member answered: %+v", r)
	default:
	}
	release()
	r := testutil.Receive(t, res, "the in-flight request's answer")
	if r.err != nil || r.body != "route=node1\n" {
		t.Fatalf("in-flight request: %q %v", r.body, r.err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr:\n%s", err, p.stderr.String())
	}
}
