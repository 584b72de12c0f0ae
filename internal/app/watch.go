package app

import (
	"bytes"
	"crypto/sha256"
	"os"
	"time"
)

// watchFile reloads the configuration when the file's content changes
// (config `watch: true`). It polls once a second: portable, and robust to
// editors and configuration managers that replace the file by renaming.
func (a *App) watchFile(file string, stop <-chan struct{}) {
	sum := func() []byte {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil
		}
		h := sha256.Sum256(b)
		return h[:]
	}
	last := sum()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		cur := sum()
		if cur == nil || bytes.Equal(cur, last) {
			continue
		}
		last = cur
		a.log.Info("configuration file changed", "file", file)
		_ = a.Reload()
	}
}
