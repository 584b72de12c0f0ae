package affinity

import "bytes"

// FromSetCookie reads the session cookie from the value of one Set-Cookie
// header of a member's response ("NAME=VALUE; Path=/; ..."), for learned
// stickiness. It returns the value (unquoted, a sub-slice of v), whether
// the member is deleting the cookie, and ok when v sets or deletes the
// session cookie (the name matches and the value is non-empty, or it is a
// deletion).
//
// A deletion is a last valid Max-Age of 0 or less, or, without Max-Age
// (which takes precedence, RFC 6265 §5.3), an Expires date before the
// year 2000: servers delete with the epoch ("Thu, 01 Jan 1970 00:00:00
// GMT", Tomcat's "Thu, 01-Jan-1970 00:00:10 GMT"). The parser has no
// clock, so an Expires date in the recent past does not count as one.
func (s *Spec) FromSetCookie(v []byte) (value []byte, deleted, ok bool) {
	if len(s.cookie) == 0 {
		return nil, false, false
	}
	pair, attrs := v, []byte(nil)
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		pair, attrs = v[:i], v[i+1:]
	}
	eq := bytes.IndexByte(pair, '=')
	if eq < 0 || !bytes.Equal(trimSpace(pair[:eq]), s.cookie) {
		return nil, false, false // RFC 6265 §5.2: no '=' means no cookie
	}
	value = unquote(trimSpace(pair[eq+1:]))
	maxAge, expired := 0, false // maxAge: 0 none, 1 positive, -1 deleting
	for len(attrs) > 0 {
		a := attrs
		if i := bytes.IndexByte(attrs, ';'); i >= 0 {
			a, attrs = attrs[:i], attrs[i+1:]
		} else {
			attrs = nil
		}
		name, val, _ := bytes.Cut(a, []byte("="))
		name, val = trimSpace(name), trimSpace(val)
		switch {
		case bytes.EqualFold(name, []byte("max-age")):
			if d, valid := maxAgeSign(val); valid {
				maxAge = d
			}
		case bytes.EqualFold(name, []byte("expires")):
			if year, valid := cookieYear(val); valid {
				expired = year < 2000
			}
		}
	}
	deleted = maxAge < 0 || maxAge == 0 && expired
	return value, deleted, len(value) > 0 || deleted
}

// maxAgeSign parses a Max-Age value (RFC 6265 §5.2.2: an optional '-' and
// digits) into 1 when positive and -1 when zero or negative.
func maxAgeSign(v []byte) (int, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 {
		return 0, false
	}
	positive := false
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		positive = positive || c != '0'
	}
	if positive && !neg {
		return 1, true
	}
	return -1, true
}

// cookieYear finds the year of a cookie-date with RFC 6265 §5.1.1's
// algorithm (tokens tried as time, day of month, month, then year; two-digit
// years 70–99 are 19xx, 00–69 20xx). ok is false unless all four parts are
// present.
func cookieYear(v []byte) (year int, ok bool) {
	var haveTime, haveDay, haveMonth, haveYear bool
	for len(v) > 0 {
		for len(v) > 0 && isDateDelimiter(v[0]) {
			v = v[1:]
		}
		end := 0
		for end < len(v) && !isDateDelimiter(v[end]) {
			end++
		}
		tok := v[:end]
		v = v[end:]
		if len(tok) == 0 {
			continue
		}
		switch {
		case !haveTime && isDateTime(tok):
			haveTime = true
		case !haveDay && leadingDigits(tok, 1, 2) > 0:
			haveDay = true
		case !haveMonth && isMonth(tok):
			haveMonth = true
		case !haveYear && leadingDigits(tok, 2, 4) > 0:
			haveYear = true
			year = 0
			for _, c := range tok[:leadingDigits(tok, 2, 4)] {
				year = year*10 + int(c-'0')
			}
			switch {
			case year >= 70 && year <= 99:
				year += 1900
			case year <= 69:
				year += 2000
			}
		}
	}
	return year, haveTime && haveDay && haveMonth && haveYear
}

// isDateDelimiter is RFC 6265's delimiter of cookie-date tokens.
func isDateDelimiter(c byte) bool {
	return c == '\t' || c >= 0x20 && c <= 0x2f || c >= 0x3b && c <= 0x40 || c >= 0x5b && c <= 0x60 || c >= 0x7b && c <= 0x7e
}

// leadingDigits returns how many digits tok starts with when that is
// between lo and hi and no digit follows them, else 0.
func leadingDigits(tok []byte, lo, hi int) int {
	n := 0
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' {
		n++
	}
	if n < lo || n > hi {
		return 0
	}
	return n
}

// isDateTime matches RFC 6265's hms-time: three 1–2 digit fields joined by
// ':', optionally followed by a non-digit and anything.
func isDateTime(tok []byte) bool {
	for field := 0; field < 3; field++ {
		n := leadingDigits(tok, 1, 2)
		if n == 0 {
			return false
		}
		tok = tok[n:]
		if field < 2 {
			if len(tok) == 0 || tok[0] != ':' {
				return false
			}
			tok = tok[1:]
		}
	}
	return true
}

// isMonth reports whether tok starts with an English month abbreviation,
// in any case.
func isMonth(tok []byte) bool {
	if len(tok) < 3 {
		return false
	}
	const months = "janfebmaraprmayjunjulaugsepoctnovdec"
	m := [3]byte{tok[0] | 0x20, tok[1] | 0x20, tok[2] | 0x20}
	for i := 0; i < len(months); i += 3 {
		if months[i] == m[0] && months[i+1] == m[1] && months[i+2] == m[2] {
			return true
		}
	}
	return false
}
