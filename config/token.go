package config

// tchar marks RFC 9110's token characters (§5.6.2): digits, letters and
// !#$%&'*+-.^_`|~. A token is what a method, a header name, a cookie or
// parameter name and a route carried in a cookie value may be made of.
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

// IsTokenChar reports whether c may appear in an RFC 9110 token.
func IsTokenChar(c byte) bool { return tchar[c] }

// IsToken reports whether s is an RFC 9110 token: one or more token
// characters. It does not allocate (the request path checks methods and
// header names with it).
func IsToken[T ~string | ~[]byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}
