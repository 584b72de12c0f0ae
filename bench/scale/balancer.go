package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// balancer is a balancer process started by a sweep, with its public and
// manager addresses.
type balancer struct {
	cmd     *exec.Cmd
	dir     string
	addr    string
	manager string
}

// startBalancer writes the configuration yaml (its listen and manager
// addresses given as %[1]s and %[2]s) and starts bin with it; it returns
// once the public listener accepts.
func startBalancer(bin, yaml string) (*balancer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	mgr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "scale")
	if err != nil {
		return nil, err
	}
	cfg := dir + "/balancer.yaml"
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(yaml, addr, mgr)), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, "-config", cfg, "-log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b := &balancer{cmd: cmd, dir: dir, addr: addr, manager: mgr}
	for range 500 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return b, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.stop()
	return nil, fmt.Errorf("the balancer does not accept on %s", addr)
}

// stop kills the balancer and removes its configuration.
func (b *balancer) stop() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	os.RemoveAll(b.dir)
}

// rss is the balancer's resident set (VmRSS), in KiB.
func (b *balancer) rss() int64 {
	v, _ := procStatus(b.cmd.Process.Pid, "VmRSS")
	return v
}

// settledRSS waits until the resident set stops moving (two readings
// 250ms apart within 0.5 %, for at most limit) and returns it.
func (b *balancer) settledRSS(limit time.Duration) int64 {
	prev := b.rss()
	for end := time.Now().Add(limit); time.Now().Before(end); {
		time.Sleep(250 * time.Millisecond)
		cur := b.rss()
		if d := cur - prev; d*200 <= cur && -d*200 <= cur {
			return cur
		}
		prev = cur
	}
	return prev
}

// metrics reads the named metrics (unlabelled ones) from the manager's
// /metrics.
func (b *balancer) metrics(names ...string) (map[string]float64, error) {
	resp, err := http.Get("http://" + b.manager + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && want[f[0]] {
			v, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				out[f[0]] = v
			}
		}
	}
	return out, sc.Err()
}

// save writes the manager's pprof path (with pprof on) to file.
func (b *balancer) save(path, file string) error {
	resp, err := http.Get("http://" + b.manager + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// freeAddr returns a 127.0.0.1 address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// procStatus reads a field of /proc/PID/status (in kB for sizes).
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
