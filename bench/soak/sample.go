package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is one interval: what the clients saw during it, and the
// balancer's resources at its end.
type sample struct {
	at                time.Duration // since the load started
	requests          int
	gets, posts       int
	getLost, postLost int
	moved             int // sticky requests answered by another route
	kills             int
	lat               []time.Duration // sorted once taken
	rssKB             int64
	goroutines        int
	fds               int
	cpuPct            float64 // the balancer's CPU use over the interval
	// memStall is how long every task of the machine stalled on memory
	// during the interval (PSI "full"), cpuWait how long some task waited
	// for a CPU: the machine's own stalls, for telling them apart from
	// the balancer's.
	memStall, cpuWait   time.Duration
	span                time.Duration // the interval's actual length
	metricsErr, procErr string
}

// add folds a later, short interval into s: its counts, its latencies
// and its resource readings.
func (s *sample) add(o *sample) {
	s.requests += o.requests
	s.gets += o.gets
	s.posts += o.posts
	s.getLost += o.getLost
	s.postLost += o.postLost
	s.moved += o.moved
	s.kills += o.kills
	s.memStall += o.memStall
	s.cpuWait += o.cpuWait
	s.span += o.span
	s.lat = append(s.lat, o.lat...)
	slices.Sort(s.lat)
	s.at, s.rssKB, s.goroutines, s.fds = o.at, o.rssKB, o.goroutines, o.fds
}

// p returns the q-quantile of the interval's latencies.
func (s *sample) p(q float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(s.lat))+0.5) - 1
	return s.lat[min(max(i, 0), len(s.lat)-1)]
}

func ms99(s sample) float64 { return float64(s.p(0.99).Microseconds()) / 1000 }

// sampler reads the balancer's resources from /proc and /metrics.
type sampler struct {
	pid      int
	url      string
	client   *http.Client
	lastCPU  float64 // seconds of utime+stime
	lastWall time.Time
	ticks    float64
	lastMem  time.Duration // PSI memory "full" total
	lastCPUw time.Duration // PSI cpu "some" total
	lastAt   time.Duration
}

func newSampler(pid int, url string) (*sampler, error) {
	s := &sampler{pid: pid, url: url, client: &http.Client{Timeout: 3 * time.Second}, ticks: 100}
	cpu, err := s.cpuSeconds()
	if err != nil {
		return nil, err
	}
	s.lastCPU, s.lastWall = cpu, time.Now()
	s.lastMem = pressure("memory", "full")
	s.lastCPUw = pressure("cpu", "some")
	return s, nil
}

// pressure reads a total stall time from /proc/pressure (0 without PSI).
func pressure(resource, line string) time.Duration {
	b, err := os.ReadFile("/proc/pressure/" + resource)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, line+" ") {
			continue
		}
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				us, _ := strconv.ParseInt(v, 10, 64)
				return time.Duration(us) * time.Microsecond
			}
		}
	}
	return 0
}

func (s *sampler) fill(iv *sample, at time.Duration) {
	iv.at, iv.span = at, at-s.lastAt
	s.lastAt = at
	mem, cpuw := pressure("memory", "full"), pressure("cpu", "some")
	iv.memStall, iv.cpuWait = mem-s.lastMem, cpuw-s.lastCPUw
	s.lastMem, s.lastCPUw = mem, cpuw
	var err error
	if iv.rssKB, err = s.rss(); err != nil {
		iv.procErr = err.Error()
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid)); err == nil {
		iv.fds = len(ents)
	} else {
		iv.procErr = err.Error()
	}
	if cpu, err := s.cpuSeconds(); err == nil {
		now := time.Now()
		iv.cpuPct = 100 * (cpu - s.lastCPU) / now.Sub(s.lastWall).Seconds()
		s.lastCPU, s.lastWall = cpu, now
	}
	if iv.goroutines, err = s.goroutines(); err != nil {
		iv.metricsErr = err.Error()
	}
}

// rss is VmRSS of /proc/PID/status, in KiB.
func (s *sampler) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", s.pid)
}

// cpuSeconds is utime+stime of /proc/PID/stat.
func (s *sampler) cpuSeconds() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", s.pid)
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / s.ticks, nil
}

// goroutines reads go_goroutines from the balancer's /metrics.
func (s *sampler) goroutines() (int, error) {
	resp, err := s.client.Get(s.url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	return 0, fmt.Errorf("no go_goroutines in %s (status %d)", s.url, resp.StatusCode)
}
