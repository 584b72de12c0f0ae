package app

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"balancer/config"
)

// TestReloadTableCoversEveryKey: README.md's "What a reload changes" says
// how each key of the schema takes effect on reload; a key added to the
// schema without a row there fails this test.
func TestReloadTableCoversEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### What a reload changes\n")
	if !ok {
		t.Fatal(`README.md has no "### What a reload changes"`)
	}
	var listed []string
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if cells := strings.Split(line, "|"); strings.HasPrefix(line, "| ") && len(cells) > 2 {
			for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
				listed = append(listed, m[1])
			}
		}
	}
	if len(listed) == 0 {
		t.Fatal("no table rows found")
	}
	covered := func(path string) bool {
		for _, k := range listed {
			if k == path || strings.HasPrefix(path, k+".") ||
				(strings.HasSuffix(k, ".*") && strings.HasPrefix(path, strings.TrimSuffix(k, "*"))) {
				return true
			}
		}
		return false
	}
	for _, p := range schemaPaths(reflect.TypeOf(config.Config{}), "") {
		if !covered(p) {
			t.Errorf("%s: not in README.md's reload table", p)
		}
	}
}

// schemaPaths lists the dotted YAML paths of t's fields, into mappings
// but not into lists.
func schemaPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, schemaPaths(ft, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}
