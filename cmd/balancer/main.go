// Command balancer is a sticky-session load-balancing reverse proxy for
// clusters of application servers that keep HTTP sessions.
//
//	balancer -config FILE            run (also: balancer run -config FILE)
//	balancer check -config FILE      validate; exit 0, or 1 with file:line: field: reason
//	balancer demo                    balancer + 3 app nodes, embedded shared store, no setup
//	balancer convert httpd.conf      print the equivalent YAML of an httpd configuration
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches the subcommands and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runBalancer(args, stderr)
	case "check":
		return check(args, stdout, stderr)
	case "demo":
		return demo(args, stdout, stderr)
	case "convert":
		return convertHTTPD(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "balancer", version())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "balancer: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  balancer -config FILE            run (also: balancer run -config FILE)
  balancer check -config FILE      validate the file; exit 0, or 1 listing file:line: field: reason
  balancer demo                    balancer + 3 app nodes on 127.0.0.1, nothing to install
  balancer convert httpd.conf      print the YAML equivalent of an httpd mod_proxy_balancer setup
  balancer version
`)
}
