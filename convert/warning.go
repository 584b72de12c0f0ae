package convert

import "fmt"

// Warning is a directive, or part of one, that the conversion could not
// carry over exactly.
type Warning struct {
	// File is the httpd file the directive is in (the main file's name as
	// given, or an included file's path).
	File string
	// Line is the directive's first line; 0 when the warning concerns the
	// configuration as a whole.
	Line int
	// Msg says what was not carried over and what to do about it.
	Msg string
}

// String formats the warning as "file:line: warning: message", the way
// "balancer convert" prints it on stderr.
func (w Warning) String() string {
	if w.Line == 0 {
		return fmt.Sprintf("%s: warning: %s", w.File, w.Msg)
	}
	return fmt.Sprintf("%s:%d: warning: %s", w.File, w.Line, w.Msg)
}
