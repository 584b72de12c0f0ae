package session

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newID returns 128 random bits from crypto/rand, hex-encoded.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// splitID cuts "<id>.<worker>" at the first '.' (ids never contain one).
func splitID(full string) (id, worker string) {
	id, worker, _ = strings.Cut(full, ".")
	return id, worker
}

// validID accepts what newID makes (and ids of other nodes of the same
// library): 16 to 64 hex characters. Anything else is treated as no
// session, so a crafted id can never name a file or key of its choosing.
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
