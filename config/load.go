package config

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes strictly, defaults and validates a configuration
// file. On failure the error is an Errors listing every problem.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	return Parse(path, data)
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column \d+)?: (.*)`)

// Parse is Load on bytes; file names the source in errors.
func Parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{yamlError(file, err)}
	}
	idx := &index{file: file, lines: map[string]int{}}
	var doc *yaml.Node
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	if doc == nil || doc.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: max(root.Line, 1), Msg: "want a mapping with balancers and routes"}}
	}
	idx.walk(doc, configType, "")
	if len(idx.errs) > 0 {
		return nil, idx.errs.sorted()
	}
	c := &Config{File: file}
	if err := doc.Decode(c); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				idx.errs = append(idx.errs, idx.typeError(m))
			}
		} else {
			idx.errs = append(idx.errs, idx.errorAt(doc.Line, "", err.Error()))
		}
		return nil, idx.errs.sorted()
	}
	c.applyDefaults(idx)
	c.validate(idx)
	if len(idx.errs) > 0 {
		return nil, idx.errs.sorted()
	}
	return c, nil
}

func yamlError(file string, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: n, Msg: m[2]}
	}
	return &FieldError{File: file, Line: 1, Msg: msg}
}
