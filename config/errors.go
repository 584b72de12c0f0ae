package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// FieldError is one problem in a configuration file.
type FieldError struct {
	// File is the name the file was loaded or parsed under ("" for an
	// edit, which has no file).
	File string
	// Line is the line of the offending value, of the key for an unknown
	// key, or of the enclosing mapping for a missing key; 0 when the
	// problem concerns the whole file or there is no file.
	Line int
	// Field is the path of the field in YAML keys, such as
	// "balancers[0].members[1].loadfactor"; "" for a file-level problem.
	Field string
	// Msg says what is wrong, and what is wanted when that is not obvious.
	Msg string

	err error // the cause, when there is one (the file could not be read)
}

// Unwrap returns the cause of the problem, such as fs.ErrNotExist.
func (e *FieldError) Unwrap() error { return e.err }

// Error renders "file:line: field: message", leaving out the parts that
// are empty.
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

// Errors lists every problem found in one file, sorted by line. Load,
// Parse and WithEdits return their failures as an Errors.
type Errors []*FieldError

// Error renders one problem per line.
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, x := range e {
		parts[i] = x.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap gives errors.Is and errors.As access to each problem.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, x := range e {
		out[i] = x
	}
	return out
}

// sorted orders problems by line; problems on one line keep the order in
// which they were found (decoding before validation, document order).
func (e Errors) sorted() Errors {
	slices.SortStableFunc(e, func(a, b *FieldError) int { return cmp.Compare(a.Line, b.Line) })
	return e
}
