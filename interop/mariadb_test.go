//go:build interop

package interop

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// mariaDB is a MariaDB server the suite runs in its own data directory,
// on its own port and socket; the sessions of every node live in its
// database "sessions", which user app/app may use from 127.0.0.1.
type mariaDB struct {
	*proc
	port   int
	socket string
}

// Schema of the session tables. Tomcat's is the one its documentation
// gives for DataSourceStore; Jetty's is the one JDBCSessionDataStore
// creates itself, made here so that both Jetty nodes can start at once.
const sessionSchema = `
CREATE TABLE tomcat_sessions (
  session_id     VARCHAR(100) NOT NULL PRIMARY KEY,
  valid_session  CHAR(1) NOT NULL,
  max_inactive   INT NOT NULL,
  last_access    BIGINT NOT NULL,
  app_name       VARCHAR(255),
  session_data   MEDIUMBLOB,
  KEY kapp_name (app_name)
);
CREATE TABLE JettySessions (
  sessionId      VARCHAR(120) NOT NULL,
  contextPath    VARCHAR(60) NOT NULL,
  virtualHost    VARCHAR(60) NOT NULL,
  lastNode       VARCHAR(60),
  accessTime     BIGINT,
  lastAccessTime BIGINT,
  createTime     BIGINT,
  cookieTime     BIGINT,
  lastSavedTime  BIGINT,
  expiryTime     BIGINT,
  maxInterval    BIGINT,
  map            BLOB,
  PRIMARY KEY (sessionId, contextPath, virtualHost),
  KEY idx_JettySessions_expiry (expiryTime),
  KEY idx_JettySessions_session (sessionId, contextPath)
);`

// startMariaDB initialises a data directory under dir, starts the server
// on port and creates the sessions database, its user and tables.
func startMariaDB(dir string, port int) (*mariaDB, error) {
	data := filepath.Join(dir, "data")
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+data,
		"--auth-root-authentication-method=normal", "--skip-test-db")
	if os.Geteuid() == 0 {
		install.Args = append(install.Args, "--user=root")
	}
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	db := &mariaDB{port: port, socket: filepath.Join(dir, "sock")}
	argv := []string{"mariadbd", "--no-defaults", "--datadir=" + data, "--socket=" + db.socket,
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(dir, "pid"),
		"--skip-log-bin", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M"}
	if os.Geteuid() == 0 {
		argv = append(argv, "--user=root")
	}
	db.proc = &proc{name: "mariadb", argv: argv, dir: dir, ready: func() bool {
		c, err := net.Dial("unix", db.socket)
		if err == nil {
			c.Close()
		}
		return err == nil
	}}
	if err := db.Start(); err != nil {
		return nil, err
	}
	if err := db.exec("", "CREATE DATABASE sessions; "+
		"CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app'; "+
		"GRANT ALL ON sessions.* TO 'app'@'127.0.0.1';"); err != nil {
		return db, err
	}
	return db, db.exec("sessions", sessionSchema)
}

// exec runs SQL as root through the server's socket.
func (db *mariaDB) exec(database, sql string) error {
	args := []string{"--no-defaults", "--socket=" + db.socket, "--user=root", "--batch", "--execute=" + sql}
	if database != "" {
		args = append(args, database)
	}
	if out, err := exec.Command("mariadb", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb: %v\n%s", err, out)
	}
	return nil
}

// jdbcURL is the URL the nodes' session stores use.
func (db *mariaDB) jdbcURL() string {
	return fmt.Sprintf("jdbc:mariadb://127.0.0.1:%d/sessions", db.port)
}
