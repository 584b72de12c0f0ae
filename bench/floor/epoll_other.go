//go:build !linux

package main

import "errors"

func (r *relay) serveEpoll(string) error {
	return errors.New("floor: -mode epoll is Linux only")
}
