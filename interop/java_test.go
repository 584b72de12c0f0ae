//go:build interop

package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Where Debian's packages put what the suite runs.
const (
	tomcatHome     = "/usr/share/tomcat10"                      // tomcat10-common, libtomcat10-java
	tomcatServlet  = "/usr/share/java/tomcat10-servlet-api.jar" // libtomcat10-java
	jettyHome      = "/usr/share/jetty9"                        // jetty9, libjetty9-java
	jettyServlet   = jettyHome + "/lib/servlet-api-3.1.jar"     // libjetty9-java
	mariadbJDBCJar = "/usr/share/java/mariadb-java-client.jar"  // libmariadb-java
)

// prerequisites are the programs and files the suite needs, each with the
// Debian package that provides it.
var prerequisites = []struct{ path, pkg string }{
	{"java", "default-jdk-headless"},
	{"javac", "default-jdk-headless"},
	{"mariadbd", "mariadb-server-core"},
	{"mariadb-install-db", "mariadb-server-core"},
	{"mariadb", "mariadb-client-core"},
	{tomcatHome + "/bin/bootstrap.jar", "tomcat10-common"},
	{tomcatHome + "/lib/catalina-ha.jar", "libtomcat10-java"},
	{tomcatServlet, "libtomcat10-java"},
	{jettyHome + "/start.jar", "jetty9"},
	{jettyServlet, "jetty9"},
	{mariadbJDBCJar, "libmariadb-java"},
}

// checkPrerequisites names every missing program or file and its package.
func checkPrerequisites() error {
	var missing, pkgs []string
	for _, p := range prerequisites {
		var err error
		if strings.HasPrefix(p.path, "/") {
			_, err = os.Stat(p.path)
		} else {
			_, err = exec.LookPath(p.path)
		}
		if err != nil {
			missing = append(missing, p.path)
			pkgs = append(pkgs, p.pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("missing %s\n  install them with: apt-get install %s\n  (./test.sh does), or set BALANCER_SKIP_INTEROP=1 to skip this suite",
		strings.Join(missing, ", "), strings.Join(dedup(pkgs), " "))
}

func dedup(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// jvmFlags keep four JVMs small and quick to start on a 2-core machine.
// /dev/urandom: Tomcat's session id generator would otherwise wait for
// entropy on an idle machine.
var jvmFlags = []string{"-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
	"-Djava.security.egd=file:/dev/./urandom"}

// buildApps compiles testdata/CounterServlet.java twice — for Tomcat 10
// (jakarta.servlet) and for Jetty 9.4 (javax.servlet) — into exploded web
// applications under dir, and returns their directories. Jetty's deployer
// names a context after its directory, hence "jetty".
func buildApps(dir string) (tomcatApp, jettyApp string, err error) {
	src, err := os.ReadFile("testdata/CounterServlet.java")
	if err != nil {
		return "", "", err
	}
	webXML, err := os.ReadFile("testdata/web.xml")
	if err != nil {
		return "", "", err
	}
	tomcatApp = filepath.Join(dir, "apps", "tomcat")
	jettyApp = filepath.Join(dir, "apps", "jetty")
	for _, b := range []struct {
		app, servletAPI, release, source string
	}{
		{tomcatApp, tomcatServlet, "11", string(src)},
		{jettyApp, jettyServlet, "8", strings.ReplaceAll(string(src), "jakarta.servlet", "javax.servlet")},
	} {
		srcDir := filepath.Join(dir, "src", filepath.Base(b.app), "interop")
		webInf := filepath.Join(b.app, "WEB-INF")
		for _, d := range []string{srcDir, webInf} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return "", "", err
			}
		}
		file := filepath.Join(srcDir, "CounterServlet.java")
		if err := os.WriteFile(file, []byte(b.source), 0o644); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(filepath.Join(webInf, "web.xml"), webXML, 0o644); err != nil {
			return "", "", err
		}
		out, err := exec.Command("javac", "-nowarn", "-Xlint:-options", "--release", b.release,
			"-cp", b.servletAPI, "-d", filepath.Join(webInf, "classes"), file).CombinedOutput()
		if err != nil {
			return "", "", fmt.Errorf("javac %s: %v\n%s", file, err, out)
		}
	}
	return tomcatApp, jettyApp, nil
}
