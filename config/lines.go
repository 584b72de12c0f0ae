package config

import "strconv"

// Problem reports a problem with the field at path found after loading,
// such as a listener that cannot be opened on reload, at the line of the
// field (or of the closest enclosing field the file gives) in the file c
// was loaded from: "file:line: path: msg".
func (c *Config) Problem(path, msg string) *FieldError {
	line := 0
	for p := path; p != "" && line == 0; p = parent(p) {
		line = c.lines[p]
	}
	return &FieldError{File: c.File, Line: line, Field: path, Msg: msg}
}

// ListenerPath is the path of listener i as problems name it: "listen"
// when the file gives one entry without a list, else "listen[i]".
func (c *Config) ListenerPath(i int) string {
	p := "listen[" + strconv.Itoa(i) + "]"
	if _, ok := c.lines[p]; ok || len(c.Listen) > 1 {
		return p
	}
	return "listen"
}
