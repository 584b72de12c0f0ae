package managerui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
	"golang.org/x/crypto/bcrypt"

	"balancer/config"
)

// authenticator checks HTTP Basic credentials against bcrypt hashes.
//
// An unknown user costs the same bcrypt comparison as a known one (against
// a dummy hash of the same cost), and names are compared in constant time
// over the whole list, so timing does not tell which users exist. A bcrypt
// comparison costs tens of milliseconds and the page refreshes every two
// seconds, so verified credentials are remembered under a keyed hash;
// failures never are.
type authenticator struct {
	users []config.User
	hash  [][]byte
	dummy []byte
	key   []byte // keys the cache so it holds no password-derived value an attacker could precompute

	mu    sync.Mutex
	cache map[[32]byte]int // keyed credentials → index in users
}

// authCacheSize bounds the verified-credentials cache; when full it is
// emptied, which costs one bcrypt per viewer.
const authCacheSize = 256

func newAuthenticator(users []config.User) (*authenticator, error) {
	a := &authenticator{users: users, cache: map[[32]byte]int{}}
	seen := map[string]bool{}
	// The dummy hash costs what the users' hashes cost, so an unknown
	// name takes as long as a known one.
	cost := bcrypt.MinCost
	for i, u := range users {
		if u.Name == "" {
			return nil, fmt.Errorf("managerui: manager.auth.users[%d]: name is empty", i)
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("managerui: manager.auth.users[%d]: duplicate user %q", i, u.Name)
		}
		seen[u.Name] = true
		c, err := bcrypt.Cost([]byte(u.Password))
		if err != nil {
			return nil, fmt.Errorf("managerui: manager.auth.users[%d] (%s): password must be a bcrypt hash: %v", i, u.Name, err)
		}
		cost = max(cost, c)
		a.hash = append(a.hash, []byte(u.Password))
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	a.key = secret
	dummy, err := bcrypt.GenerateFromPassword(secret[:16], cost)
	if err != nil {
		return nil, err
	}
	a.dummy = dummy
	return a, nil
}

// check returns the user the credentials belong to.
func (a *authenticator) check(name, password string) (config.User, bool) {
	h := sha256.New()
	h.Write(a.key)
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var k [32]byte
	h.Sum(k[:0])
	a.mu.Lock()
	i, hit := a.cache[k]
	a.mu.Unlock()
	if hit {
		return a.users[i], true
	}
	found := -1
	for j, u := range a.users {
		if subtle.ConstantTimeCompare([]byte(u.Name), []byte(name)) == 1 {
			found = j
		}
	}
	hash := a.dummy
	if found >= 0 {
		hash = a.hash[found]
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if found < 0 || err != nil {
		return config.User{}, false
	}
	a.mu.Lock()
	if len(a.cache) >= authCacheSize {
		clear(a.cache)
	}
	a.cache[k] = found
	a.mu.Unlock()
	return a.users[found], true
}

// basicAuth parses an Authorization: Basic header.
func basicAuth(ctx *fasthttp.RequestCtx) (name, password string, ok bool) {
	v := string(ctx.Request.Header.Peek("Authorization"))
	scheme, enc, found := strings.Cut(v, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	name, password, ok = strings.Cut(string(raw), ":")
	return name, password, ok
}

// principal is who makes a request.
type principal struct {
	// Name is the user, "" without authentication.
	Name string
	// ReadOnly forbids edits (manager.readonly or the user's readonly).
	ReadOnly bool
}

// authenticate identifies the requester. Without configured users every
// requester is anonymous; with users, missing or wrong credentials get a
// 401 (JSON when api is set) and ok is false.
func (m *Manager) authenticate(ctx *fasthttp.RequestCtx, api bool) (principal, bool) {
	if m.auth == nil {
		return principal{ReadOnly: m.o.ReadOnly}, true
	}
	name, pass, ok := basicAuth(ctx)
	if ok {
		if u, good := m.auth.check(name, pass); good {
			return principal{Name: u.Name, ReadOnly: m.o.ReadOnly || u.ReadOnly}, true
		}
		// The name may be a password typed in the wrong field: log neither.
		m.log.Warn("manager authentication failed", "remote", ctx.RemoteIP().String())
	}
	ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="balancer-manager", charset="UTF-8"`)
	msg := "authentication required: this balancer-manager asks for a user name and password (manager.auth.users)"
	if ok {
		msg = "wrong user name or password"
	}
	if api {
		jsonError(ctx, fasthttp.StatusUnauthorized, msg)
	} else {
		m.plainError(ctx, fasthttp.StatusUnauthorized, "Authentication required", msg)
	}
	return principal{}, false
}
