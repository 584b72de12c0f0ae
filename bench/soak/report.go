package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is the soak's outcome: the series, the totals and the verdicts.
type report struct {
	s       *settings
	series  []sample
	total   sample
	reasons map[string]int
	started time.Time
	ended   time.Time
	loadAvg [2]string // at the start and at the end
	checks  []flatCheck
}

// flatCheck compares a resource's mean over the first and the last third
// of the run: it stayed flat when the last third is at most 10% above the
// first, plus a fixed slack for small counts.
type flatCheck struct {
	name, unit  string
	first, last float64
	max         float64
	slack       float64
	judged      bool // enough samples to compare thirds
	ok          bool
}

func newReport(s *settings, series []sample, st *stats, started time.Time) *report {
	st.mu.Lock()
	total := st.total
	reasons := st.reasons
	st.mu.Unlock()
	slices.Sort(total.lat)
	r := &report{s: s, series: series, total: total, reasons: reasons, started: started, ended: time.Now()}
	r.loadAvg = [2]string{startLoadAvg, loadAvg()}
	type metric struct {
		name, unit string
		slack      float64
		v          func(sample) float64
	}
	for _, m := range []metric{
		{"resident memory (VmRSS)", "MiB", 8, func(s sample) float64 { return float64(s.rssKB) / 1024 }},
		{"goroutines", "", 20, func(s sample) float64 { return float64(s.goroutines) }},
		{"open file descriptors", "", 20, func(s sample) float64 { return float64(s.fds) }},
	} {
		c := flatCheck{name: m.name, unit: m.unit, slack: m.slack}
		n := len(series) / 3
		if n > 0 {
			for _, x := range series {
				c.max = max(c.max, m.v(x))
			}
			c.first = mean(series[:n], m.v)
			c.last = mean(series[len(series)-n:], m.v)
			c.judged = true
			c.ok = c.last <= c.first*1.10+c.slack
		}
		r.checks = append(r.checks, c)
	}
	return r
}

// startLoadAvg is the load average when the driver started.
var startLoadAvg = loadAvg()

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func mean(xs []sample, v func(sample) float64) float64 {
	var t float64
	for _, x := range xs {
		t += v(x)
	}
	return t / float64(len(xs))
}

func (r *report) ok() bool {
	if r.total.getLost > 0 || len(r.series) < 3 {
		return false
	}
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return true
}

var csvHeader = []string{"t_s", "interval_s", "rss_kib", "goroutines", "fds", "cpu_pct", "requests", "gets", "posts",
	"get_lost", "post_lost", "sticky_moved", "kills", "p50_ms", "p99_ms", "max_ms", "mem_stall_ms", "cpu_wait_pct", "errors"}

// stalled reports whether the machine itself stalled during the interval:
// every task waited on memory for over 100 ms, or the sampler woke up
// more than half an interval late.
func (r *report) stalled(x *sample) bool {
	return x.memStall > 100*time.Millisecond || x.span > r.s.interval*3/2
}

func cpuWaitPct(x *sample) float64 {
	if x.span <= 0 {
		return 0
	}
	return 100 * x.cpuWait.Seconds() / x.span.Seconds()
}

// stalledLosses counts GETs lost during intervals in which the machine
// stalled, and lists those intervals.
func (r *report) stalledLosses() (gets int, at []string) {
	for i := range r.series {
		x := &r.series[i]
		if r.stalled(x) {
			gets += x.getLost
			at = append(at, fmt.Sprintf("%.0f s", x.at.Seconds()))
		}
	}
	return gets, at
}

func (r *report) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(csvHeader)
	for _, s := range r.series {
		_ = w.Write([]string{
			strconv.FormatFloat(s.at.Seconds(), 'f', 1, 64), strconv.FormatFloat(s.span.Seconds(), 'f', 1, 64), strconv.FormatInt(s.rssKB, 10),
			strconv.Itoa(s.goroutines), strconv.Itoa(s.fds), strconv.FormatFloat(s.cpuPct, 'f', 1, 64),
			strconv.Itoa(s.requests), strconv.Itoa(s.gets), strconv.Itoa(s.posts),
			strconv.Itoa(s.getLost), strconv.Itoa(s.postLost), strconv.Itoa(s.moved), strconv.Itoa(s.kills),
			fmtMS(s.p(0.50)), fmtMS(s.p(0.99)), fmtMS(s.p(1)), fmtMS(s.memStall),
			strconv.FormatFloat(cpuWaitPct(&s), 'f', 0, 64), strings.TrimSpace(s.metricsErr + " " + s.procErr),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fmtMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func (r *report) verdict() string {
	if r.ok() {
		return "PASS"
	}
	return "FAIL"
}

// summaryText is the few lines printed at the end of a run.
func (r *report) summaryText() string {
	var b strings.Builder
	t := &r.total
	fmt.Fprintf(&b, "\n%s: %d requests (%d GET, %d POST), lost GET %d, lost POST %d, %d member kills, p99 %s ms\n",
		r.verdict(), t.requests, t.gets, t.posts, t.getLost, t.postLost, t.kills, fmtMS(t.p(0.99)))
	if gets, at := r.stalledLosses(); len(at) > 0 {
		fmt.Fprintf(&b, "  the machine stalled in %d intervals; %d of the lost GETs fell in them\n", len(at), gets)
	}
	for _, c := range r.checks {
		fmt.Fprintf(&b, "  %-26s first third %8.1f  last third %8.1f  max %8.1f  %s\n", c.name, c.first, c.last, c.max, c.verdict())
	}
	return b.String()
}

func (c *flatCheck) verdict() string {
	switch {
	case !c.judged:
		return "too few samples"
	case c.ok:
		return "flat"
	}
	return "GREW"
}

func (r *report) writeMarkdown(path string) error {
	var b strings.Builder
	t := &r.total
	s := r.s
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Soak: steady load while members are killed and restarted\n\n")
	p("**%s.** One run of %s, %s → %s (UTC), on %s.\n\n", r.verdict(), r.ended.Sub(r.started).Round(time.Second),
		r.started.UTC().Format("2006-01-02 15:04:05"), r.ended.UTC().Format("15:04:05"), machine())
	p("Load average (1, 5, 15 min) at the start: %s; at the end: %s. The machine is shared: other work ran beside the soak.\n\n", r.loadAvg[0], r.loadAvg[1])
	if s.command != "" {
		p("Command:\n\n```sh\n%s\n```\n\n", s.command)
	}
	p("## What ran\n\n")
	p("- The balancer (`cmd/balancer`) on `%s`, its manager (for `/metrics`) beside it; configuration below.\n", s.addr)
	p("- %d members (`bench/soak/member`, routes node1…node%d), each answering 200 after about 5 ms with its route in `X-Route`.\n", len(s.members), len(s.members))
	p("- Every %s one member, round robin, is killed with SIGKILL and started again on its port %s later.\n", s.killEvery, s.downFor)
	p("- %d client keep-alive connections sending %d requests/s in all, written by hand (the client never retries; any answer other than a whole 200 counts as lost): "+
		"70%% GET with a sticky cookie `JSESSIONID=<id>.nodeN` over %d sessions spread over every route, 15%% GET without a cookie, "+
		"15%% POST of a 64–2047 byte form body (half with a cookie), whose arrival in full the member's answer confirms.\n", s.conns, s.rate, s.sessions)
	p("- Every %s: the balancer's VmRSS (`/proc/PID/status`), open descriptors (`/proc/PID/fd`), CPU (`/proc/PID/stat`), and `go_goroutines` from its `/metrics`.\n\n", s.interval)

	p("## Totals\n\n| | |\n|---|---:|\n")
	p("| requests | %d (%d GET, %d POST), %.0f/s on average against %d/s asked |\n", t.requests, t.gets, t.posts,
		float64(t.requests)/r.ended.Sub(r.started).Seconds(), s.rate)
	p("| **GET lost** | **%d** |\n", t.getLost)
	p("| POST lost | %d (%.3f%% of POSTs) |\n", t.postLost, pct(t.postLost, t.posts))
	p("| sticky requests answered by another route than their cookie's | %d |\n", t.moved)
	p("| member kills | %d |\n", t.kills)
	p("| latency p50 / p99 / p99.9 / max | %s / %s / %s / %s ms |\n\n", fmtMS(t.p(0.5)), fmtMS(t.p(0.99)), fmtMS(t.p(0.999)), fmtMS(t.p(1)))
	if len(r.reasons) > 0 {
		p("Lost requests by reason:\n\n| reason | count |\n|---|---:|\n")
		keys := make([]string, 0, len(r.reasons))
		for k := range r.reasons {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return r.reasons[b] - r.reasons[a] })
		for _, k := range keys {
			p("| %s | %d |\n", strings.ReplaceAll(k, "|", "\\|"), r.reasons[k])
		}
		p("\n")
	}
	p("A sticky request whose member is down goes to another member, and its session then stays there (the balancer's moved-session table) " +
		"because this member never issues a new cookie: so the count of requests answered by another route keeps growing.\n\n")
	p("No GET may be lost: when its member dies under it, the balancer sends it again to another member. " +
		"A POST that already reached a member that then dies must not be sent again (it is not idempotent, the member may have acted on it): " +
		"the client gets 502, which is why some POSTs are lost.\n\n")

	if gets, at := r.stalledLosses(); len(at) > 0 {
		p("## Machine stalls\n\nThe machine itself stalled (every task waiting on memory for over 100 ms, PSI `full`, or the sampler waking more than half an interval late) in the intervals ending at %s. "+
			"%d of the %d lost GETs fell in those intervals.\n\n", strings.Join(at, ", "), gets, t.getLost)
	}
	p("## Did resources stay flat?\n\nMean over the first third of the samples against the last third; flat when the last third is at most 10%% above the first plus a slack (8 MiB, 20 goroutines, 20 descriptors).\n\n")
	p("| resource | first third | last third | max | verdict |\n|---|---:|---:|---:|---|\n")
	for _, c := range r.checks {
		p("| %s | %.1f %s | %.1f %s | %.1f %s | %s |\n", c.name, c.first, c.unit, c.last, c.unit, c.max, c.unit, c.verdict())
	}
	p("\n## Series\n\nOne row per %s interval (the CSV `%s` holds the same).\n\n", s.interval, baseName(s.csvPath))
	p("CPU %% is the balancer's; memory stall and CPU wait are the whole machine's (PSI).\n\n")
	p("| t (s) | RSS (MiB) | goroutines | fds | CPU %% | requests | GET lost | POST lost | moved | kills | p50 ms | p99 ms | memory stall ms | CPU wait %% |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.series {
		p("| %.0f | %.1f | %d | %d | %.0f | %d | %d | %d | %d | %d | %s | %s | %s | %.0f |\n", x.at.Seconds(), float64(x.rssKB)/1024,
			x.goroutines, x.fds, x.cpuPct, x.requests, x.getLost, x.postLost, x.moved, x.kills, fmtMS(x.p(0.5)), fmtMS(x.p(0.99)),
			fmtMS(x.memStall), cpuWaitPct(&x))
	}
	if cfg, err := os.ReadFile(s.configPath); err == nil {
		p("\n## Balancer configuration\n\n```yaml\n%s```\n", cfg)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// machine describes this machine in a few words.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				mem = fmt.Sprintf(", %.0f GiB memory", kb/(1<<20))
			}
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d × %s%s%s, %s", runtime.NumCPU(), model, mem, kernel, runtime.Version())
}
