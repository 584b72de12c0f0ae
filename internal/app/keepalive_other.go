//go:build !linux

package app

// inheritKeepAlive: elsewhere Go sets keep-alive on each accepted
// connection.
const inheritKeepAlive = false

func listenKeepAlive(int) error { return nil }
