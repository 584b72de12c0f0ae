// Package interop runs real Java application servers behind the real
// balancer binary: two Tomcat 10 nodes (jvmRoute node1/node2, sessions in
// MariaDB through PersistentManager and DataSourceStore, with and without
// JvmRouteBinderValve) and two Jetty 9.4 nodes (workerName node1/node2,
// JDBCSessionDataStore on the same MariaDB), all started once by TestMain
// from Debian's packages as plain JVM processes on 127.0.0.1.
//
// The tests carry the build tag interop, so that `go test ./...` does not
// need Java; ./test.sh runs them with
//
//	go test -tags interop -count=1 ./interop/
//
// and installs what they need (default-jdk-headless, tomcat10-common and
// libtomcat10-java, jetty9, mariadb-server-core, mariadb-client-core,
// libmariadb-java). A missing piece fails the run;
// BALANCER_SKIP_INTEROP=1 skips it, loudly.
package interop
