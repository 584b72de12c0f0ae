package main

import (
	"fmt"
	"io"
)

func convertHTTPD(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "balancer convert: not built yet")
	return 1
}
