package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"balancer/config"
	"balancer/internal/app"
)

// runBalancer runs the balancer until SIGTERM or SIGINT.
func runBalancer(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file (required)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" {
		fmt.Fprintln(stderr, "balancer: -config FILE is required (try `balancer demo` for a setup that needs nothing)")
		return 2
	}
	log := newLogger(stderr, *logLevel)
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	a, err := app.Start(cfg, app.Options{Logger: log, Version: version()})
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	for sig := range sigs {
		switch sig {
		case syscall.SIGHUP:
			a.ReopenLogs()
			_ = a.Reload()
			continue
		case syscall.SIGUSR1:
			a.ReopenLogs()
			continue
		}
		grace := a.Config().GraceTime.D()
		log.Info("stopping", "signal", sig.String(), "grace", grace.String())
		if err := a.Stop(grace); err != nil {
			log.Warn("stopped with requests cut", "error", err)
		}
		log.Info("stopped")
		return 0
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
