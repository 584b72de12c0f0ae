// Package convert turns an Apache httpd mod_proxy_balancer configuration
// into the balancer's YAML, with a warning for every directive that cannot
// be carried over.
//
// The conversion is a best effort at httpd's meaning, not at its text: the
// result is a complete file that passes config.Parse, written with the
// httpd names kept in comments so that a reader can check it against the
// original. Everything that changes behaviour is reported as a Warning
// naming the httpd file and line.
package convert
