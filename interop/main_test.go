//go:build interop

package interop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// lab is everything TestMain started, shared by every test: the JVMs
// start once (about 10 s on a 2-core machine) and each test leaves them
// running and usable.
var lab struct {
	dir                     string
	db                      *mariaDB
	tomcat, jetty           []*javaNode
	balancer                *proc
	listenAddr, managerAddr string
	tomcatApps, jettyApps   []*app
	apps                    []*app
}

func TestMain(m *testing.M) {
	if os.Getenv("BALANCER_SKIP_INTEROP") == "1" {
		fmt.Fprintln(os.Stderr, "!!!\n!!! interop: SKIPPED (BALANCER_SKIP_INTEROP=1): Tomcat and Jetty were NOT tested\n!!!")
		os.Exit(0)
	}
	start := time.Now()
	err := setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop: setup failed: %v\n", err)
		teardown()
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "interop: MariaDB, 2 Tomcat, 2 Jetty and the balancer ready in %s (%s)\n",
		time.Since(start).Round(100*time.Millisecond), lab.dir)
	code := m.Run()
	lab.balancer.Stop()
	if r := raceReport(lab.balancer); r != "" {
		fmt.Fprintf(os.Stderr, "interop: the balancer met a data race:\n%s\n", r)
		code = 1
	}
	teardown()
	os.Exit(code)
}

// setup starts MariaDB, builds the balancer and the app meanwhile, then
// starts the four nodes at once and the balancer in front of them.
func setup() error {
	if err := checkPrerequisites(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "interop-")
	if err != nil {
		return err
	}
	lab.dir = dir
	ports := make([]int, 7)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	lab.listenAddr = fmt.Sprintf("127.0.0.1:%d", ports[5])
	lab.managerAddr = fmt.Sprintf("127.0.0.1:%d", ports[6])

	var bin, tomcatApp, jettyApp string
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { bin, errs[0] = buildBalancer(dir) })
	wg.Go(func() { tomcatApp, jettyApp, errs[1] = buildApps(dir) })
	wg.Go(func() {
		dbDir := filepath.Join(dir, "mariadb")
		if errs[2] = os.Mkdir(dbDir, 0o755); errs[2] == nil {
			lab.db, errs[2] = startMariaDB(dbDir, ports[0])
		}
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	for i, route := range []string{"node1", "node2"} {
		tn, err := newTomcatNode(dir, route, ports[1+i], tomcatApp, lab.db)
		if err != nil {
			return err
		}
		jn, err := newJettyNode(dir, route, ports[3+i], jettyApp, lab.db)
		if err != nil {
			return err
		}
		lab.tomcat = append(lab.tomcat, tn)
		lab.jetty = append(lab.jetty, jn)
	}
	nodes := append(append([]*javaNode{}, lab.tomcat...), lab.jetty...)
	errs = make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() { errs[i] = n.Start() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	lab.tomcatApps = []*app{
		{name: "tomcat", path: "/tc", balancer: "tomcat", nodes: lab.tomcat},
		{name: "tomcat+JvmRouteBinderValve", path: "/tcbind", balancer: "tomcatbind", nodes: lab.tomcat, reissues: true},
	}
	lab.jettyApps = []*app{{name: "jetty", path: "/jetty", balancer: "jetty", nodes: lab.jetty, reissues: true}}
	lab.apps = append(append([]*app{}, lab.tomcatApps...), lab.jettyApps...)
	lab.balancer, err = startBalancer(dir, bin, lab.listenAddr, lab.managerAddr, lab.apps)
	return err
}

// teardown kills what setup started and removes its directory, unless
// BALANCER_INTEROP_KEEP=1 asks to keep the logs and configurations.
func teardown() {
	if lab.balancer != nil {
		lab.balancer.Kill()
	}
	for _, n := range append(append([]*javaNode{}, lab.tomcat...), lab.jetty...) {
		n.Kill()
	}
	if lab.db != nil {
		lab.db.Kill()
	}
	if lab.dir == "" {
		return
	}
	if os.Getenv("BALANCER_INTEROP_KEEP") == "1" {
		fmt.Fprintf(os.Stderr, "interop: kept %s\n", lab.dir)
		return
	}
	os.RemoveAll(lab.dir)
}

// dumpLogs shows the end of every process's log when a test failed.
func dumpLogs(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		procs := []*proc{lab.balancer}
		for _, n := range append(append([]*javaNode{}, lab.tomcat...), lab.jetty...) {
			procs = append(procs, n.proc)
		}
		for _, p := range procs {
			t.Logf("end of %s's log (%s):\n%s", p.name, p.logPath(), p.tail(15))
		}
	})
}
