package config

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem in a configuration file.
type FieldError struct {
	File  string
	Line  int // 0 when the problem concerns the whole file
	Field string
	Msg   string
}

// Error renders "file:line: field: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors lists every problem found, sorted by line.
type Errors []*FieldError

// Error renders one problem per line.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, x := range e {
		parts[i] = x.Error()
	}
	return strings.Join(parts, "\n")
}

func (e Errors) sorted() Errors {
	sort.SliceStable(e, func(i, j int) bool { return e[i].Line < e[j].Line })
	return e
}
