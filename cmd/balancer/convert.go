package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"balancer/convert"
)

// convertHTTPD prints the YAML equivalent of an httpd configuration; each
// directive it cannot carry over is a warning on stderr.
func convertHTTPD(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: balancer convert httpd.conf > balancer.yaml")
		return 2
	}
	name := fs.Arg(0)
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintln(stderr, "balancer convert:", err)
		return 1
	}
	defer f.Close()
	out, warnings, err := convert.HTTPD(f, name)
	for _, w := range warnings {
		fmt.Fprintln(stderr, w.String())
	}
	if err != nil {
		fmt.Fprintln(stderr, "balancer convert:", err)
		return 1
	}
	stdout.Write(out)
	return 0
}
