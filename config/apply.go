package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// WithEdits returns a copy of base with edits applied, validated as a
// whole: all apply, or an error names the first field at fault.
func WithEdits(base *Config, edits []Edit) (*Config, error) {
	if len(edits) == 0 {
		return base, nil
	}
	c, err := clone(base)
	if err != nil {
		return nil, err
	}
	for _, e := range edits {
		if err := c.apply(e); err != nil {
			return nil, Errors{err}
		}
	}
	d := newDecoder("")
	d.edit = true
	c.validate(d)
	if errs := d.result(); errs != nil {
		return nil, errs
	}
	return c, nil
}

func clone(c *Config) (*Config, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	out := &Config{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	out.File = c.File
	return out, nil
}

func (c *Config) apply(e Edit) *FieldError {
	bi := -1
	for i := range c.Balancers {
		if c.Balancers[i].Name == e.Balancer {
			bi = i
		}
	}
	if bi < 0 {
		return &FieldError{Field: "balancers", Msg: fmt.Sprintf("unknown balancer %q", e.Balancer)}
	}
	b := &c.Balancers[bi]
	bp := fmt.Sprintf("balancers[%d]", bi)
	if e.Add != nil {
		m := *e.Add
		m.Status = append([]string(nil), m.Status...)
		m.applyDefaults(givenFields(&m))
		for _, x := range b.Members {
			if x.URL == m.URL {
				return &FieldError{Field: bp + ".members", Msg: fmt.Sprintf("member %q exists", m.URL)}
			}
		}
		b.Members = append(b.Members, m)
		return nil
	}
	if e.Member == "" {
		if !balancerKey(e.Key) {
			return &FieldError{Field: bp + "." + e.Key, Msg: "not editable at runtime"}
		}
		if err := setField(b, e.Key, e.Value, bp); err != nil {
			return err
		}
		if e.Value == nil {
			b.applyDefaults(allBut(e.Key))
		}
		return nil
	}
	for j := range b.Members {
		if b.Members[j].URL == e.Member {
			if !memberKey(e.Key) {
				return &FieldError{Field: fmt.Sprintf("%s.members[%d].%s", bp, j, e.Key), Msg: "not editable at runtime"}
			}
			if err := setField(&b.Members[j], e.Key, e.Value, fmt.Sprintf("%s.members[%d]", bp, j)); err != nil {
				return err
			}
			if e.Value == nil {
				b.Members[j].applyDefaults(allBut(e.Key))
			}
			return nil
		}
	}
	return &FieldError{Field: bp + ".members", Msg: fmt.Sprintf("no member %q", e.Member)}
}

// allBut treats every field as given except key, so that re-applying
// defaults after an edit removed key restores that key's default and
// leaves the other fields, explicit zeros included, as they are.
func allBut(key string) func(string) bool {
	return func(k string) bool { return k != key && !strings.HasPrefix(k, key+".") }
}

// setField decodes v into the field of ptr tagged key, through YAML so
// that durations and the like parse as in the file.
func setField(ptr any, key string, v any, path string) *FieldError {
	rv := reflect.ValueOf(ptr).Elem()
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != key {
			continue
		}
		f := rv.Field(i)
		if v == nil {
			f.Set(reflect.Zero(f.Type()))
			return nil
		}
		b, err := yaml.Marshal(v)
		if err != nil {
			return &FieldError{Field: path + "." + key, Msg: err.Error()}
		}
		nv := reflect.New(f.Type())
		if err := yaml.Unmarshal(b, nv.Interface()); err != nil {
			return &FieldError{Field: path + "." + key, Msg: decodeMessage(err)}
		}
		f.Set(nv.Elem())
		return nil
	}
	return &FieldError{Field: path + "." + key, Msg: "unknown field"}
}
