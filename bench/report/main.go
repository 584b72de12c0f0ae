// Command report turns bench/run.sh's results.csv into RESULTS.md (median
// over rounds per peer, scenario and connection mode, with the balancer's
// ratios to each peer) and chart.svg.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type key struct{ peer, scen, conn string }

type stats struct {
	rps, p50, p99, p999, cpu, errors []float64
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func main() {
	in := flag.String("in", "bench/results/results.csv", "results.csv")
	out := flag.String("out", "bench/results", "output folder")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	data := map[key]*stats{}
	var peers, scens, conns []string
	seen := map[string]bool{}
	add := func(list *[]string, v string) {
		if !seen[v] {
			seen[v] = true
			*list = append(*list, v)
		}
	}
	for _, r := range rows[1:] {
		k := key{r[0], r[1], r[2]}
		add(&peers, r[0])
		add(&scens, "s:"+r[1])
		add(&conns, "c:"+r[2])
		s := data[k]
		if s == nil {
			s = &stats{}
			data[k] = s
		}
		num := func(i int) float64 { v, _ := strconv.ParseFloat(r[i], 64); return v }
		s.rps = append(s.rps, num(4))
		s.p50 = append(s.p50, num(5))
		s.p99 = append(s.p99, num(6))
		s.p999 = append(s.p999, num(7))
		s.errors = append(s.errors, num(8))
		s.cpu = append(s.cpu, num(10))
	}
	strip := func(l []string) []string {
		o := make([]string, len(l))
		for i, v := range l {
			o[i] = v[2:]
		}
		return o
	}
	scens, conns = strip(scens), strip(conns)
	rounds := 0
	for _, s := range data {
		rounds = max(rounds, len(s.rps))
	}
	machine := machineInfo()
	var md strings.Builder
	fmt.Fprintf(&md, "# Balancer vs HAProxy, nginx, httpd and Caddy\n\n%s, %s. Median of %d round(s) per cell; the proxy pinned to core 0, wrk and three fast members to core 1; 127.0.0.1 only. Command: `bench/run.sh` (see bench/README.md for each peer's configuration and fidelity).\n\n", time.Now().UTC().Format("2006-01-02"), machine, rounds)
	for _, sc := range scens {
		for _, c := range conns {
			fmt.Fprintf(&md, "## %s, %s\n\n| peer | requests/s | p50 µs | p99 µs | p99.9 µs | errors | proxy CPU µs/request |\n|---|---:|---:|---:|---:|---:|---:|\n", sc, c)
			for _, p := range peers {
				s := data[key{p, sc, c}]
				if s == nil {
					continue
				}
				fmt.Fprintf(&md, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", p, median(s.rps), median(s.p50), median(s.p99), median(s.p999), median(s.errors), median(s.cpu))
			}
			if b := data[key{"balancer", sc, c}]; b != nil {
				fmt.Fprintf(&md, "\nBalancer ÷ peer: ")
				var parts []string
				for _, p := range peers {
					s := data[key{p, sc, c}]
					if p == "balancer" || s == nil {
						continue
					}
					parts = append(parts, fmt.Sprintf("%s: requests/s ×%.2f, p99 ×%.2f, CPU/request ×%.2f", p,
						median(b.rps)/median(s.rps), median(b.p99)/median(s.p99), median(b.cpu)/median(s.cpu)))
				}
				md.WriteString(strings.Join(parts, "; ") + ".\n")
			}
			md.WriteString("\n")
		}
	}
	md.WriteString("![requests per second and CPU per request](chart.svg)\n")
	if err := os.WriteFile(filepath.Join(*out, "RESULTS.md"), []byte(md.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "chart.svg"), []byte(chart(data, peers, scens, conns, machine)), 0o644); err != nil {
		log.Fatal(err)
	}
}

func machineInfo() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	kernel := ""
	if b, err := exec.Command("uname", "-r").Output(); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores, %s, %s", cpu, runtime.NumCPU(), kernel, runtime.Version())
}

// chart draws requests/s and CPU per request as grouped bars.
func chart(data map[key]*stats, peers, scens, conns []string, machine string) string {
	colors := []string{"#1d6fe0", "#e07a1d", "#2a9d4a", "#b03a9a", "#777777", "#c23b3b"}
	var groups []key
	for _, sc := range scens {
		for _, c := range conns {
			groups = append(groups, key{"", sc, c})
		}
	}
	const w, barW, gap, top, h = 980, 14, 36, 60, 180
	var b strings.Builder
	height := top + 2*(h+70) + 40
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`, w, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="10" y="20" font-size="15" font-weight="bold">balancer vs peers (median of rounds)</text><text x="10" y="38" fill="#555">%s</text>`, html.EscapeString(machine))
	for i, p := range peers {
		fmt.Fprintf(&b, `<rect x="%d" y="46" width="10" height="10" fill="%s"/><text x="%d" y="55">%s</text>`, 10+i*110, colors[i%len(colors)], 24+i*110, html.EscapeString(p))
	}
	panel := func(y0 int, title string, val func(*stats) float64) {
		maxV := 0.0
		for _, s := range data {
			maxV = max(maxV, val(s))
		}
		if maxV == 0 {
			maxV = 1
		}
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`, y0+14, html.EscapeString(title))
		base := y0 + 20 + h
		fmt.Fprintf(&b, `<line x1="40" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, base, w-10, base)
		x := 50
		for _, g := range groups {
			for i, p := range peers {
				s := data[key{p, g.scen, g.conn}]
				if s == nil {
					continue
				}
				v := val(s)
				bh := int(v / maxV * float64(h))
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s %s: %.2f</title></rect>`, x+i*barW, base-bh, barW-2, bh, colors[i%len(colors)], p, g.scen, g.conn, v)
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s/%s</text>`, x, base+16, g.scen, g.conn)
			x += len(peers)*barW + gap + 40
		}
	}
	panel(top+10, "requests per second (higher is better)", func(s *stats) float64 { return median(s.rps) })
	panel(top+h+80, "proxy CPU time per request, µs (lower is better)", func(s *stats) float64 { return median(s.cpu) })
	b.WriteString(`</svg>`)
	return b.String()
}
