// Package deploy holds the deployment files (an example configuration, a
// systemd unit, a Containerfile, compose and Kubernetes manifests) and the
// tests that check them against the configuration loader and each other.
package deploy
