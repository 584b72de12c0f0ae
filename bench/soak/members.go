package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// member is one member process, restarted on the same address after each
// kill.
type member struct {
	bin, addr, route, log string
	cmd                   *exec.Cmd
}

func (m *member) start() error {
	f, err := os.OpenFile(m.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(m.bin, "-listen", m.addr, "-route", m.route)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return err
	}
	m.cmd = cmd
	return nil
}

// kill sends SIGKILL and reaps the process.
func (m *member) kill() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// members are the soak's member processes; the kill loop and stop are
// serialised by mu.
type members struct {
	mu   sync.Mutex
	list []*member
}

func startMembers(bin string, addrs []string, logDir string) (*members, error) {
	ms := &members{}
	for i, a := range addrs {
		route := fmt.Sprintf("node%d", i+1)
		m := &member{bin: bin, addr: a, route: route, log: filepath.Join(logDir, "member-"+route+".log")}
		if err := m.start(); err != nil {
			ms.stop()
			return nil, err
		}
		ms.list = append(ms.list, m)
	}
	for _, m := range ms.list {
		if err := waitListening(context.Background(), m.addr, 10*time.Second); err != nil {
			ms.stop()
			return nil, err
		}
	}
	return ms, nil
}

// killLoop kills one member every `every`, round robin, and starts it
// again after `down`, until ctx ends.
func (ms *members) killLoop(ctx context.Context, every, down time.Duration, st *stats) {
	for i := 0; ; i = (i + 1) % len(ms.list) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every - down):
		}
		ms.mu.Lock()
		m := ms.list[i]
		m.kill()
		ms.mu.Unlock()
		st.killed()
		select {
		case <-ctx.Done():
		case <-time.After(down):
		}
		ms.mu.Lock()
		err := m.start()
		ms.mu.Unlock()
		if err != nil {
			fmt.Fprintf(os.Stderr, "soak: restarting %s: %v\n", m.route, err)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

func (ms *members) stop() {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for _, m := range ms.list {
		m.kill()
	}
}
