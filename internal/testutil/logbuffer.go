package testutil

import (
	"bytes"
	"sync"
)

// LogBuffer collects what a process or a logger writes while the test reads
// it: the writer and the reader run on different goroutines, so a plain
// bytes.Buffer would race.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
