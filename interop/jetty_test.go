//go:build interop

package interop

import (
	"fmt"
	"os"
	"path/filepath"
)

// jettyStartIni is a node's jetty.base configuration: the shape the
// README's "Jetty" section describes. The session cache keeps Jetty's
// defaults (sessions stay in memory, never evicted) but writes a new
// session at once (saveOnCreate) and every change before the response is
// committed (flushOnResponseCommit), so a node killed at any moment has
// lost nothing a client was answered with. idleTimeout is 2s instead of
// the 30s default to keep the keep-alive case fast; scanInterval=0 stops
// the deployer from rescanning webapps/ every second.
const jettyStartIni = `--module=server,http,deploy,ext,sessions,session-cache-hash,session-store-jdbc
jetty.http.host=127.0.0.1
jetty.http.port=%d
jetty.http.idleTimeout=2000
jetty.deploy.scanInterval=0
jetty.sessionIdManager.workerName=%s
jetty.session.saveOnCreate=true
jetty.session.flushOnResponseCommit=true
db-connection-type=driver
jetty.session.jdbc.driverClass=org.mariadb.jdbc.Driver
jetty.session.jdbc.driverUrl=%s?user=app&password=app
`

// newJettyNode writes a jetty.base under root for the node route on port,
// serving app (a directory named after its context) with its sessions in
// db. The node is not started.
func newJettyNode(root, route string, port int, app string, db *mariaDB) (*javaNode, error) {
	base := filepath.Join(root, "jetty-"+route)
	for _, d := range []string{"lib/ext", "webapps", "logs"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return nil, err
		}
	}
	// jetty.base/lib/ext is on the server class path with the ext module.
	if err := os.Symlink(mariadbJDBCJar, filepath.Join(base, "lib", "ext", filepath.Base(mariadbJDBCJar))); err != nil {
		return nil, err
	}
	if err := os.Symlink(app, filepath.Join(base, "webapps", filepath.Base(app))); err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(jettyStartIni, port, route, db.jdbcURL())
	if err := os.WriteFile(filepath.Join(base, "start.ini"), []byte(ini), 0o644); err != nil {
		return nil, err
	}
	argv := append([]string{"java"}, jvmFlags...)
	argv = append(argv, "-Dinterop.node="+route, "-Djava.io.tmpdir="+base,
		"-jar", jettyHome+"/start.jar", "jetty.home="+jettyHome, "jetty.base="+base)
	n := &javaNode{route: route, port: port}
	n.proc = &proc{name: "jetty " + route, argv: argv, dir: base,
		ready: answers200(fmt.Sprintf("%s/%s/health", n.url(), filepath.Base(app)))}
	return n, nil
}
