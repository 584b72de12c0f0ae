// Command soak drives a long steady load through a running balancer while
// it kills (SIGKILL) and restarts its members one after the other, and
// samples the balancer every few seconds: resident memory, goroutines,
// open file descriptors, requests done and lost, and the interval's p99
// latency. It writes a CSV of the series and a markdown summary saying
// whether memory, goroutines and descriptors stayed flat. soak.sh beside
// it builds everything, starts the balancer and runs it.
//
// Its client never retries: every request is written by hand over a
// keep-alive connection, and any answer other than a whole 200 counts as
// lost.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// settings are the soak's parameters, as given on the command line.
type settings struct {
	addr       string
	metricsURL string
	pid        int
	memberBin  string
	members    []string
	duration   time.Duration
	interval   time.Duration
	conns      int
	rate       int
	sessions   int
	killEvery  time.Duration
	downFor    time.Duration
	csvPath    string
	mdPath     string
	command    string
	configPath string
	logDir     string
}

func main() {
	var s settings
	var members string
	flag.StringVar(&s.addr, "addr", "127.0.0.1:19280", "the balancer's listener")
	flag.StringVar(&s.metricsURL, "metrics", "http://127.0.0.1:19281/metrics", "the balancer's /metrics on its manager listener")
	flag.IntVar(&s.pid, "pid", 0, "the balancer's process id (for /proc)")
	flag.StringVar(&s.memberBin, "member", "", "the member program")
	flag.StringVar(&members, "members", "127.0.0.1:19201,127.0.0.1:19202,127.0.0.1:19203", "member addresses; the i-th has route node<i+1>")
	flag.DurationVar(&s.duration, "duration", 600*time.Second, "how long the load runs")
	flag.DurationVar(&s.interval, "interval", 5*time.Second, "sampling interval")
	flag.IntVar(&s.conns, "conns", 32, "client keep-alive connections")
	flag.IntVar(&s.rate, "rate", 600, "requests per second over all connections")
	flag.IntVar(&s.sessions, "sessions", 3000, "distinct sticky sessions, spread over the routes")
	flag.DurationVar(&s.killEvery, "kill-every", 4*time.Second, "time between two member kills")
	flag.DurationVar(&s.downFor, "down-for", time.Second, "how long a killed member stays down")
	flag.StringVar(&s.csvPath, "csv", "soak.csv", "series output")
	flag.StringVar(&s.mdPath, "md", "SOAK.md", "summary output")
	flag.StringVar(&s.command, "command", "", "the command line to print in the summary")
	flag.StringVar(&s.configPath, "config", "", "the balancer's configuration file, quoted in the summary")
	flag.StringVar(&s.logDir, "logs", os.TempDir(), "where members write their logs")
	flag.Parse()
	s.members = strings.Split(members, ",")
	if s.pid == 0 || s.memberBin == "" {
		fmt.Fprintln(os.Stderr, "soak: -pid and -member are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, &s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run starts the members, the load, the killer and the sampler, and
// writes the reports; ok is false when a GET was lost or a resource grew.
func run(ctx context.Context, s *settings) (ok bool, err error) {
	ms, err := startMembers(s.memberBin, s.members, s.logDir)
	if err != nil {
		return false, err
	}
	defer ms.stop()
	if err := waitListening(ctx, s.addr, 10*time.Second); err != nil {
		return false, err
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.duration)
	defer cancel()

	st := newStats()
	done := startLoad(ctx, s, st)
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		ms.killLoop(ctx, s.killEvery, s.downFor, st)
	}()
	smp, err := newSampler(s.pid, s.metricsURL)
	if err != nil {
		return false, err
	}
	var series []sample
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-tick.C:
		}
		iv := st.take()
		smp.fill(&iv, time.Since(started))
		if n := len(series); !running && n > 0 && iv.at-series[n-1].at < time.Second {
			// The run ended just after a sample: fold the stub into it.
			series[n-1].add(&iv)
			continue
		}
		series = append(series, iv)
		fmt.Printf("%6.0fs rss=%.1fMiB goroutines=%d fds=%d requests=%d lost get=%d post=%d p99=%.1fms kills=%d\n",
			iv.at.Seconds(), float64(iv.rssKB)/1024, iv.goroutines, iv.fds, iv.requests, iv.getLost, iv.postLost,
			ms99(iv), iv.kills)
	}
	<-done
	<-killerDone
	r := newReport(s, series, st, started)
	if err := r.writeCSV(s.csvPath); err != nil {
		return false, err
	}
	if err := r.writeMarkdown(s.mdPath); err != nil {
		return false, err
	}
	fmt.Print(r.summaryText())
	return r.ok(), nil
}
