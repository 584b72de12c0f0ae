package config

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes strictly, defaults and validates a configuration
// file. On failure the error is an Errors listing every problem found,
// each as "file:line: field: reason".
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error() // the path is printed once, as the file
		}
		return nil, Errors{{File: path, Msg: msg, err: err}}
	}
	return Parse(path, data)
}

// Parse is Load on bytes; file names the source in errors. Unknown keys,
// values of the wrong type and everything validation finds are reported
// together, so that one run of "balancer check" lists every problem.
func Parse(file string, data []byte) (*Config, error) {
	doc, errs := document(file, data)
	if errs != nil {
		return nil, errs
	}
	d := newDecoder(file)
	d.docLine = doc.Line
	d.maxNodes = expansionBound(countNodes(doc))
	c := &Config{File: file}
	d.mapping(doc, reflect.ValueOf(c).Elem(), "")
	if d.overflow {
		return nil, d.result()
	}
	c.applyDefaults(func(path string) bool { return d.set[path] })
	c.validate(d)
	if errs := d.result(); errs != nil {
		return nil, errs
	}
	c.lines = d.lines
	return c, nil
}

// document returns the file's single top-level mapping.
func document(file string, data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, Errors{{File: file, Msg: "empty file (want at least balancers and routes)"}}
		}
		return nil, Errors{syntaxError(file, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, Errors{syntaxError(file, data, err)}
	case len(next.Content) > 0 && !isNull(next.Content[0]):
		return nil, Errors{{File: file, Line: next.Content[0].Line,
			Msg: "a second YAML document (after ---): the configuration is one document"}}
	}
	if len(root.Content) == 0 || isNull(root.Content[0]) {
		return nil, Errors{{File: file, Msg: "empty file (want at least balancers and routes)"}}
	}
	doc := root.Content[0]
	for doc.Kind == yaml.AliasNode && doc.Alias != nil {
		doc = doc.Alias
	}
	if doc.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: max(doc.Line, 1),
			Msg: "want a mapping of keys (listen, manager, store, balancers, routes, …), got " + describe(doc)}}
	}
	return doc, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+)(?:, column \d+)?: (.*)$`)

// syntaxError turns a yaml.v3 parse error into a FieldError with a line:
// the parser's own when it gives one, else the line of the first byte it
// refuses (invalid UTF-8, control characters), else none (file-level).
func syntaxError(file string, data []byte, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: n, Msg: m[2]}
	}
	return &FieldError{File: file, Line: badByteLine(data), Msg: msg}
}

// badByteLine is the line of the first byte YAML does not allow in a
// document, or 0.
func badByteLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == 0xFEFF:
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0 && r != 0x85) || r == 0xFFFE || r == 0xFFFF:
			return line
		}
		i += size
	}
	return 0
}
