package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestEnvelopeRoundTrip(t *testing.T) {
	d := newData(90 * time.Second)
	d.Version = 7
	d.Values["user"] = json.RawMessage(`{"name":"al\"ice","roles":["a","b"]}`)
	d.Values["n"] = json.RawMessage(`42`)
	d.Values[`odd "key"`] = json.RawMessage(`null`)
	b := encode(d)
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	got, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || got.MaxInactive != 90*time.Second || !got.Created.Equal(d.Created) ||
		!got.Accessed.Equal(d.Accessed) || len(got.Values) != 3 {
		t.Fatalf("decoded %+v", got)
	}
	for k, v := range d.Values {
		if string(got.Values[k]) != string(v) {
			t.Errorf("value %q: %s, want %s", k, got.Values[k], v)
		}
	}
	if string(encode(got)) != string(b) {
		t.Errorf("re-encoding differs:\n%s\n%s", encode(got), b)
	}
}

func TestEnvelopeRefused(t *testing.T) {
	for _, b := range []string{
		``, `{`, `[]`, `{"format":2,"values":{}}`, `{"values":{}}`, `{"format":1,"values":{"a":}}`,
		`{"format":1,"created":"yesterday"}`,
	} {
		if _, err := decode([]byte(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode(%q) = %v, want ErrCorrupt", b, err)
		}
	}
	if d, err := decode([]byte(`{"format":1}`)); err != nil || d.Values == nil {
		t.Errorf("minimal envelope: %+v %v", d, err)
	}
}

// FuzzDecode: decode never panics, and what it accepts encodes to an
// envelope it reads back the same.
func FuzzDecode(f *testing.F) {
	f.Add(encode(newData(time.Minute)))
	f.Add([]byte(`{"format":1,"version":3,"values":{"a":[1,2,{"b":null}]}}`))
	f.Add([]byte(`{"format":1,"values":{"\u0000":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decode(b)
		if err != nil {
			return
		}
		again, err := decode(encode(d))
		if err != nil {
			t.Fatalf("re-encoded envelope refused: %v", err)
		}
		if len(again.Values) != len(d.Values) || again.Version != d.Version {
			t.Fatalf("round trip changed the session: %+v → %+v", d, again)
		}
	})
}
