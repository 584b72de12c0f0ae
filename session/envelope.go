package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// envelopeFormat is the version of the stored encoding. A node refuses data
// in a format it does not know (the session is removed and a fresh one
// started) rather than misreading it; a future format bumps the number and
// keeps reading the older ones.
const envelopeFormat = 1

// envelope is the stored form of a session, format 1: JSON whose values are
// the attributes' own JSON documents.
type envelope struct {
	Format      int                        `json:"format"`
	Version     int64                      `json:"version"`
	Created     time.Time                  `json:"created"`
	Accessed    time.Time                  `json:"accessed"`
	MaxInactive int64                      `json:"maxInactiveMs"`
	Values      map[string]json.RawMessage `json:"values"`
}

// encode serialises d in the versioned envelope. It writes the JSON itself
// because json.Marshal would re-validate every value, which for a 64 KiB
// session is most of the cost of a save; the values are valid JSON already
// (made by json.Marshal in Set, or checked by decode).
func encode(d *Data) []byte {
	n := 192 // the envelope around the values, with both times at full length
	for k, v := range d.Values {
		n += len(k) + len(v) + 8
	}
	b := make([]byte, 0, n)
	b = append(b, `{"format":`...)
	b = strconv.AppendInt(b, envelopeFormat, 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, d.Version, 10)
	b = append(b, `,"created":"`...)
	b = d.Created.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","accessed":"`...)
	b = d.Accessed.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","maxInactiveMs":`...)
	b = strconv.AppendInt(b, d.MaxInactive.Milliseconds(), 10)
	b = append(b, `,"values":{`...)
	keys := make([]string, 0, len(d.Values))
	for k := range d.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable bytes: equal sessions encode equally
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k) // a string always marshals
		b = append(b, kb...)
		b = append(b, ':')
		b = append(b, d.Values[k]...)
	}
	return append(b, "}}"...)
}

// decode reads an envelope; malformed data and unknown formats are
// ErrCorrupt.
func decode(b []byte) (*Data, error) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if e.Format != envelopeFormat {
		return nil, fmt.Errorf("%w: unknown format %d", ErrCorrupt, e.Format)
	}
	if e.Values == nil {
		e.Values = map[string]json.RawMessage{}
	}
	return &Data{Version: e.Version, Created: e.Created, Accessed: e.Accessed,
		MaxInactive: time.Duration(e.MaxInactive) * time.Millisecond, Values: e.Values}, nil
}
