//go:build interop

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// javaNode is one app server node: a JVM serving the counter app on
// 127.0.0.1:port, whose session ids end in ".<route>".
type javaNode struct {
	*proc
	route string
	port  int
}

// url is the node's address as a balancer member.
func (n *javaNode) url() string { return fmt.Sprintf("http://127.0.0.1:%d", n.port) }

// tomcatServerXML is a node's whole configuration: the shape the README's
// "Tomcat" section describes. Two contexts serve the same app, /tc without
// and /tcbind with JvmRouteBinderValve. Sessions live in MariaDB through
// PersistentManager and DataSourceStore; PersistentValve loads a session
// from the store at the start of every request and saves it at the end,
// before the response leaves (the body is small and not flushed), so a
// node killed at any moment has lost nothing a client was answered with.
// defaultAutoCommit="false": DataSourceStore saves a session as a DELETE
// then an INSERT and commits when it closes the connection; with
// autocommit each is its own transaction, and a node killed between the
// two loses the session (this suite saw it happen).
// keepAliveTimeout is 2s instead of the 20s default to keep the
// keep-alive case fast.
var tomcatServerXML = template.Must(template.New("server.xml").Parse(`<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector address="127.0.0.1" port="{{.Port}}" protocol="HTTP/1.1"
               keepAliveTimeout="2000" connectionTimeout="20000"/>
    <Engine name="Catalina" defaultHost="localhost" jvmRoute="{{.Route}}">
      <Host name="localhost" appBase="webapps" autoDeploy="false" unpackWARs="false">
{{- range .Contexts}}
        <Context path="{{.Path}}" docBase="{{$.App}}">
          <JarScanner scanClassPath="false" scanManifest="false"/>
          <Resource name="jdbc/sessions" auth="Container" type="javax.sql.DataSource"
                    driverClassName="org.mariadb.jdbc.Driver" url="{{$.JDBC}}"
                    username="app" password="app" maxTotal="8" defaultAutoCommit="false"/>
          <Manager className="org.apache.catalina.session.PersistentManager"
                   maxIdleBackup="0" saveOnRestart="false">
            <Store className="org.apache.catalina.session.DataSourceStore"
                   dataSourceName="jdbc/sessions" localDataSource="true"
                   sessionTable="tomcat_sessions" sessionIdCol="session_id"
                   sessionValidCol="valid_session" sessionMaxInactiveCol="max_inactive"
                   sessionLastAccessedCol="last_access" sessionAppCol="app_name"
                   sessionDataCol="session_data"/>
          </Manager>
          <Valve className="org.apache.catalina.valves.PersistentValve"/>
{{- if .Bind}}
          <Valve className="org.apache.catalina.ha.session.JvmRouteBinderValve"/>
{{- end}}
        </Context>
{{- end}}
      </Host>
    </Engine>
  </Service>
</Server>
`))

// tomcatContexts are the contexts every Tomcat node serves.
var tomcatContexts = []struct {
	Path string
	Bind bool // with JvmRouteBinderValve
}{{"/tc", false}, {"/tcbind", true}}

// newTomcatNode writes a CATALINA_BASE under root for the node route on
// port, serving app with its sessions in db. The node is not started.
func newTomcatNode(root, route string, port int, app string, db *mariaDB) (*javaNode, error) {
	base := filepath.Join(root, "tomcat-"+route)
	for _, d := range []string{"conf", "lib", "logs", "temp", "webapps", "work"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return nil, err
		}
	}
	// CATALINA_BASE/lib is on Tomcat's common class path: the JDBC driver
	// goes there, as it would in a real installation.
	if err := os.Symlink(mariadbJDBCJar, filepath.Join(base, "lib", filepath.Base(mariadbJDBCJar))); err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := tomcatServerXML.Execute(&b, map[string]any{
		"Port": port, "Route": route, "App": app, "JDBC": db.jdbcURL(), "Contexts": tomcatContexts,
	}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(base, "conf", "server.xml"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	argv := append([]string{"java"}, jvmFlags...)
	argv = append(argv, "-Dinterop.node="+route,
		"-Dcatalina.home="+tomcatHome, "-Dcatalina.base="+base, "-Djava.io.tmpdir="+filepath.Join(base, "temp"),
		"-cp", tomcatHome+"/bin/bootstrap.jar:"+tomcatHome+"/bin/tomcat-juli.jar",
		"org.apache.catalina.startup.Bootstrap", "start")
	n := &javaNode{route: route, port: port}
	var health []string
	for _, c := range tomcatContexts {
		health = append(health, fmt.Sprintf("%s%s/health", n.url(), c.Path))
	}
	n.proc = &proc{name: "tomcat " + route, argv: argv, dir: base, ready: answers200(health...)}
	return n, nil
}
