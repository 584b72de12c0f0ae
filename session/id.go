package session

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newID returns 128 random bits from crypto/rand, hex-encoded (32
// characters). crypto/rand.Read never fails on Linux (Go 1.24 and later).
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// splitID cuts "<id>.<worker>" at the last '.', as Jetty does; ids never
// contain one, so a worker name with dots cannot be mistaken for the id.
func splitID(full string) (id, worker string) {
	i := strings.LastIndexByte(full, '.')
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// validID accepts what newID makes and the ids of other nodes running this
// library: 16 to 64 lowercase hex characters. Anything else is no session,
// so a crafted id can never name a file or a key of its choosing.
func validID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
