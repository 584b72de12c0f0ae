package config

import (
	"strings"
	"testing"
)

// The token rule is RFC 9110 §5.6.2's tchar, checked byte by byte against
// the grammar's own list.
func TestTokenChars(t *testing.T) {
	const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(tchars, byte(c)) >= 0
		if got := IsTokenChar(byte(c)); got != want {
			t.Errorf("IsTokenChar(%q) = %v, want %v", byte(c), got, want)
		}
	}
}

func TestIsToken(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"JSESSIONID", true},
		{"node-1.a_b~", true},
		{"a b", false},
		{"a;b", false},
		{"a\"b", false},
		{"é", false},
		{"GET", true},
	}
	for _, tt := range tests {
		if got := IsToken(tt.in); got != tt.want {
			t.Errorf("IsToken(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := IsToken([]byte(tt.in)); got != tt.want {
			t.Errorf("IsToken([]byte(%q)) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsToken([]byte("Content-Type")) }); n != 0 {
		t.Errorf("IsToken allocates %v times", n)
	}
}
