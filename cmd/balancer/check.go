package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"balancer/config"
)

// check validates a configuration file and prints every problem.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "balancer.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, err := config.Load(*file); err != nil {
		printConfigError(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", *file)
	return 0
}

// printConfigError prints one line per problem.
func printConfigError(w io.Writer, err error) {
	var list config.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err)
}
