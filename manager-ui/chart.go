package managerui

import (
	"math"
	"strconv"
)

// The charts are drawn on the server as inline SVG so that they work
// without JavaScript; html/template escapes every attribute, and colours
// come from classes in the stylesheet because the CSP forbids inline
// styles.

// Sparkline geometry, in SVG user units (the stylesheet scales it).
const (
	sparkW = 150
	sparkH = 32
)

// chart is one member's requests-per-second bars.
type chart struct {
	W, H int
	// Bars is an SVG path of one rectangle per interval: one attribute to
	// escape instead of four per bar keeps the page cheap to render.
	Bars  string
	Label string // the accessible summary
}

// sparkline draws rates (oldest first) in slots of the full history, so
// that a young sampler's bars start at the right edge and every member of
// a balancer shares the same scale peak.
func sparkline(rates []float64, slots int, peak float64) string {
	if slots <= 0 || peak <= 0 {
		return ""
	}
	w := float64(sparkW) / float64(slots)
	gap := 0.0
	if w >= 2 {
		gap = w / 4 // bars that touch read as an area, not as intervals
	}
	off := slots - len(rates)
	var b []byte
	for i, r := range rates {
		if math.IsNaN(r) || r <= 0 {
			continue
		}
		h := math.Max(1, r/peak*float64(sparkH-1))
		// From the bottom left corner: up, right, down, close.
		b = append(b, 'M')
		b = appendNum(b, float64(off+i)*w)
		b = append(b, ' ')
		b = strconv.AppendInt(b, sparkH, 10)
		b = append(b, 'v', '-')
		b = appendNum(b, h)
		b = append(b, 'h')
		b = appendNum(b, w-gap)
		b = append(b, 'v')
		b = appendNum(b, h)
		b = append(b, 'z')
	}
	return string(b)
}

// segment is one member's part of the balancer's traffic bar.
type segment struct {
	X, W  string
	Color string
	Title string
}

// spreadW is the width of the traffic-spread bar in SVG user units.
const spreadW = 1000

// spread lays shares (summing to 1 or 0) side by side over spreadW.
func spread(shares []float64, colors, titles []string) []segment {
	var out []segment
	x := 0.0
	for i, s := range shares {
		if s <= 0 || math.IsNaN(s) {
			continue
		}
		w := s * spreadW
		out = append(out, segment{X: num(x), W: num(w), Color: colors[i], Title: titles[i]})
		x += w
	}
	return out
}

// num formats an SVG coordinate with at most two decimals.
func num(f float64) string { return string(appendNum(nil, f)) }

func appendNum(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, math.Round(f*100)/100, 'f', -1, 64)
}
