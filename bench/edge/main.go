// Command edge sends the edge cases (smuggling after a refusal, forwarded
// headers, HTTP/1.0 without Host, encoded paths, upgrades, request bodies
// with members that read all, die mid-body or close idle connections)
// over raw TCP to any front end, and records what the client got and what
// the members received. It runs the members itself, on the addresses the
// front end's configuration names (bench/peers: node1..node3 on
// 127.0.0.1:19101..19103, chosen by the JSESSIONID cookie's route).
//
//	edge -front 127.0.0.1:19080 -out balancer.tsv
//	edge -report EDGE.md balancer=balancer.tsv haproxy=haproxy.tsv nginx=nginx.tsv
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
	"time"

	"balancer/internal/testutil"
)

func main() {
	front := flag.String("front", "127.0.0.1:19080", "the front end's address")
	members := flag.String("members", "127.0.0.1:19101,127.0.0.1:19102,127.0.0.1:19103", "node1 (reads all), node2 (dies mid-body), node3 (closes idle connections)")
	out := flag.String("out", "", "write the results here as TSV (default: stdout)")
	report := flag.String("report", "", "merge LABEL=FILE.tsv arguments into this Markdown table")
	only := flag.String("only", "", "run only the cases with these ids (comma-separated)")
	flag.Parse()
	if *report != "" {
		if err := writeReport(*report, flag.Args()); err != nil {
			log.Fatal(err)
		}
		return
	}
	nodes, err := startNodes(strings.Split(*members, ","))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		for _, m := range nodes {
			m.Close()
		}
	}()
	if err := waitFront(*front, nodes); err != nil {
		log.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cases {
		if *only != "" && !strings.Contains(","+*only+",", ","+c.id+",") {
			continue
		}
		cell := run(*front, nodes, c)
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", c.id, c.group, c.name, cell)
		fmt.Fprintf(os.Stderr, "%-4s %-60s %s\n", c.id, c.name, cell)
	}
	if *out == "" {
		fmt.Print(b.String())
		return
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}

var nodeNames = []string{"node1", "node2", "node3"}

func startNodes(addrs []string) (map[string]*testutil.RawMember, error) {
	if len(addrs) != 3 {
		return nil, fmt.Errorf("-members wants three addresses, got %d", len(addrs))
	}
	behaviours := []testutil.Behaviour{testutil.ReadsAll, testutil.DiesMidBody, testutil.ClosesIdle}
	nodes := map[string]*testutil.RawMember{}
	for i, a := range addrs {
		m, err := testutil.NewRawMember(a, behaviours[i])
		if err != nil {
			return nil, err
		}
		nodes[nodeNames[i]] = m
	}
	return nodes, nil
}

// waitFront waits until the front end routes by route: a request with
// each node's session cookie reaches that node (a peer that checks its
// servers may still hold them down from before the members started).
func waitFront(front string, nodes map[string]*testutil.RawMember) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		for _, n := range nodeNames {
			nodes[n].Reset()
			res := testutil.RawExchange(front, [][]byte{[]byte("GET /ready HTTP/1.1\r\nHost: edge\r\nCookie: JSESSIONID=r." + n + "\r\nConnection: close\r\n\r\n")}, 0, "")
			if res.Status != 200 || len(nodes[n].Requests()) != 1 {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not route requests by their session's route", front)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// seenReq is a request a member received.
type seenReq struct {
	node string
	testutil.RawRequest
}

const followUp = "GET /follow HTTP/1.1\r\nHost: edge\r\nCookie: JSESSIONID=f.node1\r\n\r\n"

// run sends one case and describes its outcome in one table cell.
func run(front string, nodes map[string]*testutil.RawMember, c edgeCase) string {
	for _, m := range nodes {
		m.Reset()
	}
	prefix, cookie := "/"+c.id, "JSESSIONID=s"+c.id+"."+c.node
	if c.warm {
		w := testutil.RawExchange(front, [][]byte{[]byte("GET " + prefix + "/warm HTTP/1.1\r\nHost: edge\r\nCookie: " + cookie + "\r\n\r\n")}, 0, "")
		if w.Status != 200 {
			return fmt.Sprintf("warm-up failed: %d %v", w.Status, w.Err)
		}
		select {
		case <-nodes[c.node].IdleClosed:
		case <-time.After(3 * time.Second):
			return "warm-up: the member kept its connection"
		}
	}
	req := c.request(prefix, cookie)
	parts := [][]byte{req}
	if c.trickle > 0 {
		parts = split(req)
	}
	follow := followUp
	if c.tunnel {
		follow = ""
	}
	res := testutil.RawExchange(front, parts, c.trickle, follow)
	// The members' records of a cut exchange land when the front end
	// closes its side; this is a measurement tool, a short pause will do.
	time.Sleep(300 * time.Millisecond)
	var seen []seenReq
	for _, n := range nodeNames {
		for _, r := range nodes[n].Requests() {
			if r.URI != "/follow" && !strings.HasSuffix(r.URI, "/warm") {
				seen = append(seen, seenReq{n, r})
			}
		}
	}
	var cell string
	switch {
	case res.Status == 0:
		cell = fmt.Sprintf("no answer (%v)", res.Err)
	default:
		cell = fmt.Sprint(res.Status)
		switch {
		case c.tunnel:
		case res.Closed:
			cell += " closed"
		case res.FollowStatus == 200:
			cell += " kept"
		default:
			cell += fmt.Sprintf(" follow-up %d", res.FollowStatus)
		}
	}
	look := c.look
	if look == nil {
		look = receipts
	}
	cell += "; " + look(seen)
	for _, s := range seen {
		if strings.Contains(s.URI, "smuggled") {
			cell += "; **SMUGGLED " + s.Method + " " + s.URI + "**"
			break
		}
	}
	return cell
}

// split cuts a request into its head and four parts of its body.
func split(req []byte) [][]byte {
	i := bytes.Index(req, []byte("\r\n\r\n")) + 4
	parts := [][]byte{req[:i]}
	body := req[i:]
	step := (len(body) + 3) / 4
	for len(body) > 0 {
		k := min(step, len(body))
		parts = append(parts, body[:k])
		body = body[k:]
	}
	return parts
}

// receipts: which member received the request, whole or cut.
func receipts(seen []seenReq) string {
	var out []string
	for _, s := range seen {
		if strings.Contains(s.URI, "smuggled") {
			continue
		}
		state := "whole"
		if !s.Complete {
			state = "cut"
		}
		out = append(out, fmt.Sprintf("%s %s %s", s.node, state, sizeOf(s.Len)))
	}
	if len(out) == 0 {
		return "no member"
	}
	return strings.Join(out, ", ")
}

func sizeOf(n int) string {
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= kib:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d B", n)
}

// headers: every value of the named headers the member received.
func headers(names ...string) func([]seenReq) string {
	return func(seen []seenReq) string {
		if len(seen) == 0 {
			return "no member"
		}
		var out []string
		for _, n := range names {
			v := seen[0].Header.Values(n)
			if len(v) == 0 {
				out = append(out, n+": none")
				continue
			}
			out = append(out, fmt.Sprintf("%s ×%d: `%s`", n, len(v), strings.Join(v, " | ")))
		}
		return strings.Join(out, "; ")
	}
}

func host(seen []seenReq) string {
	if len(seen) == 0 {
		return "no member"
	}
	return "member saw Host `" + seen[0].Host + "`"
}

func uri(seen []seenReq) string {
	if len(seen) == 0 {
		return "no member"
	}
	return "member saw `" + seen[0].URI + "`"
}

// writeReport merges the TSV results of several front ends into one
// Markdown table, a column per front end, in the argument order.
func writeReport(path string, args []string) error {
	type row struct{ id, group, name string }
	var labels []string
	var rows []row
	cells := map[string]map[string]string{}
	for _, a := range args {
		label, file, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("want LABEL=FILE, got %q", a)
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		labels = append(labels, label)
		s := bufio.NewScanner(f)
		for s.Scan() {
			fs := strings.SplitN(s.Text(), "\t", 4)
			if len(fs) != 4 {
				continue
			}
			if cells[fs[0]] == nil {
				cells[fs[0]] = map[string]string{}
				rows = append(rows, row{fs[0], fs[1], fs[2]})
			}
			cells[fs[0]][label] = fs[3]
		}
		f.Close()
	}
	order := map[string]int{}
	for i, c := range cases {
		order[c.id] = i
	}
	sort.SliceStable(rows, func(i, j int) bool { return order[rows[i].id] < order[rows[j].id] })
	var b strings.Builder
	group := ""
	for _, r := range rows {
		if r.group != group {
			group = r.group
			fmt.Fprintf(&b, "\n### %s\n\n| case | %s |\n|---|%s\n", group, strings.Join(labels, " | "), strings.Repeat("---|", len(labels)))
		}
		fmt.Fprintf(&b, "| %s %s |", r.id, strings.ReplaceAll(r.name, "|", "\\|"))
		for _, l := range labels {
			fmt.Fprintf(&b, " %s |", strings.ReplaceAll(cells[r.id][l], "|", "\\|"))
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
