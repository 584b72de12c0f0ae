package main

import (
	"fmt"
	"io"
)

func demo(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "balancer demo: not built yet")
	return 1
}
