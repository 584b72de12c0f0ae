package session

import (
	"encoding/json"
	"fmt"
)

// envelopeFormat is the version of the stored encoding; a node refuses
// data written in a format it does not know (and starts a fresh session)
// rather than misreading it.
const envelopeFormat = 1

type envelope struct {
	Format int `json:"format"`
	*Data
}

// encode serialises d in the versioned envelope (JSON).
func encode(d *Data) ([]byte, error) {
	return json.Marshal(envelope{Format: envelopeFormat, Data: d})
}

// decode reads an envelope; unknown formats and malformed data are
// ErrCorrupt.
func decode(b []byte) (*Data, error) {
	e := envelope{Data: &Data{}}
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if e.Format != envelopeFormat {
		return nil, fmt.Errorf("%w: format %d", ErrCorrupt, e.Format)
	}
	if e.Values == nil {
		e.Values = map[string]json.RawMessage{}
	}
	return e.Data, nil
}
