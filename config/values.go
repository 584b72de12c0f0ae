package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as a Go duration string ("5s").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "want a duration such as \"5s\" or \"250ms\", got %s", describe(n))
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if _, isNumber := strconv.ParseFloat(n.Value, 64); isNumber == nil && n.Value != "0" {
		return typeError(n, "invalid duration %q: a unit is needed, e.g. \"%ss\" or \"%sms\"", n.Value, n.Value, n.Value)
	}
	if err != nil || v < 0 {
		return typeError(n, "invalid duration %q (want e.g. \"5s\", \"250ms\")", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Size is a byte count written as an integer or with a unit ("64KiB", "1MiB").
type Size int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// ParseSize parses "123", "64KiB", "1MiB", "2GB".
func ParseSize(in string) (Size, error) {
	s := strings.TrimSpace(in)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			mult = u.mult
			s = strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q (want e.g. 1048576, \"64KiB\", \"1MiB\")", in)
	}
	return Size(n * mult), nil
}

// UnmarshalYAML parses an integer or a number with a unit.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "want a size such as 1048576 or \"64KiB\", got %s", describe(n))
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return typeError(n, "%s", err.Error())
	}
	*s = v
	return nil
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Lo, Hi int }

// StatusRanges is a list of codes or ranges: [200, "300-399"] or "200-399".
type StatusRanges []StatusRange

// Match reports whether code is in one of the ranges.
func (r StatusRanges) Match(code int) bool {
	for _, x := range r {
		if code >= x.Lo && code <= x.Hi {
			return true
		}
	}
	return false
}

// ParseStatusRanges parses "200-399", "200,204,300-399".
func ParseStatusRanges(s string) (StatusRanges, error) {
	var out StatusRanges
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			return nil, fmt.Errorf("invalid status or range %q (want e.g. 200 or \"200-399\")", part)
		}
		out = append(out, StatusRange{a, b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty status list")
	}
	return out, nil
}

// UnmarshalYAML accepts a scalar ("200-399") or a sequence of scalars.
func (r *StatusRanges) UnmarshalYAML(n *yaml.Node) error {
	var parts []string
	switch n.Kind {
	case yaml.ScalarNode:
		parts = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return typeError(c, "want a status code or range such as 200 or \"200-399\", got %s", describe(c))
			}
			parts = append(parts, c.Value)
		}
	default:
		return typeError(n, "want a status list such as \"200-399\" or [200, 204]")
	}
	v, err := ParseStatusRanges(strings.Join(parts, ","))
	if err != nil {
		return typeError(n, "%s", err.Error())
	}
	*r = v
	return nil
}

// String renders the ranges as ParseStatusRanges reads them.
func (r StatusRanges) String() string {
	parts := make([]string, len(r))
	for i, x := range r {
		parts[i] = strconv.Itoa(x.Lo)
		if x.Hi != x.Lo {
			parts[i] += "-" + strconv.Itoa(x.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// MarshalYAML writes the ranges as one string ("200-399,404").
func (r StatusRanges) MarshalYAML() (any, error) { return r.String(), nil }

// UnmarshalYAML accepts "host:port", a mapping, or a list of either.
func (l *Listeners) UnmarshalYAML(n *yaml.Node) error {
	one := func(c *yaml.Node) (Listener, error) {
		if c.Kind == yaml.ScalarNode {
			return Listener{Addr: c.Value}, nil
		}
		type plain Listener
		var p plain
		err := c.Decode(&p)
		return Listener(p), err
	}
	if n.Kind == yaml.SequenceNode {
		out := make(Listeners, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := one(c)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		*l = out
		return nil
	}
	x, err := one(n)
	if err != nil {
		return err
	}
	*l = Listeners{x}
	return nil
}

// typeError reports a bad value with its line; yaml.v3 collects such
// errors from every field instead of stopping at the first.
func typeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)}}
}
