//go:build interop

package interop

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server process the suite started: a JVM, MariaDB or the
// balancer. Kill ends it with SIGKILL, as a crash would; Start brings it
// back with the same command line, on the same port.
type proc struct {
	name  string   // "tomcat node1"
	argv  []string // program and arguments
	dir   string   // working directory, also where its log goes
	env   []string // added to the environment
	ready func() bool

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// startTimeout bounds a start: JVMs on a loaded 2-core machine take a few
// seconds, more while the others start too.
const startTimeout = 120 * time.Second

// logPath is where the process's stdout and stderr go.
func (p *proc) logPath() string { return p.dir + "/out.log" }

// Start runs the process and waits until ready holds, or fails with the
// end of its log when it exits first or is not ready in time.
func (p *proc) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	log, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group: a ^C to the test does not reach it before
	// the suite's own cleanup does. Pdeathsig: a test binary that dies
	// without cleaning up (a -timeout panic) takes it along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %v", p.name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// The nodes start together from TestMain, where no test can fail:
	// wait here for readiness or the process's exit, whichever comes
	// first, and return an error.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(startTimeout)
	for !p.ready() {
		select {
		case <-exited:
			return fmt.Errorf("%s exited while starting; end of %s:\n%s", p.name, p.logPath(), p.tail(30))
		case <-timeout:
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("%s not ready after %s; end of %s:\n%s", p.name, startTimeout, p.logPath(), p.tail(30))
		case <-tick.C:
		}
	}
	p.cmd, p.exited = cmd, exited
	return nil
}

// Kill sends SIGKILL and waits until the process is gone.
func (p *proc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}

// Stop sends SIGTERM and waits up to 10s for a graceful exit (logs
// flushed), then kills.
func (p *proc) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

// tail returns the last n lines of the process's log.
func (p *proc) tail(n int) string {
	b, err := os.ReadFile(p.logPath())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// answers200 returns a readiness check: every url answers 200.
func answers200(urls ...string) func() bool {
	// No keep-alive: a check leaves no idle connection to the node behind
	// (the keep-alive case counts the connections to a node).
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return func() bool {
		for _, u := range urls {
			resp, err := c.Get(u)
			if err != nil {
				return false
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return false
			}
		}
		return true
	}
}
