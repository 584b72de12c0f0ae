package session

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var sizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

// sessionOf returns session data holding one attribute of about n bytes.
func sessionOf(n int) *Data {
	d := newData(time.Hour)
	v, _ := json.Marshal(strings.Repeat("x", n-2))
	d.Values["blob"] = v
	return d
}

// BenchmarkRedisLoadSave is a request's store work against a real Redis:
// one load and one (version-checked) save.
func BenchmarkRedisLoadSave(b *testing.B) {
	st, _, _ := redisStore(b)
	ctx := context.Background()
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			id := newID()
			if err := st.Save(ctx, id, sessionOf(size.n), 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				d, err := st.Load(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Save(ctx, id, d, d.Version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRequestRedis is a whole request through the middleware against
// a real Redis with cache none: find the session, load it, change one
// small attribute, save, set no cookie.
func BenchmarkRequestRedis(b *testing.B) {
	st, _, _ := redisStore(b)
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			m := newManager(b, st, Config{Worker: "n1", Cache: CachePolicy{Mode: CacheNone}})
			id := newID()
			if err := st.Save(context.Background(), id, sessionOf(size.n), 0); err != nil {
				b.Fatal(err)
			}
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				FromContext(r.Context()).Set("n", 1)
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", "JSESSIONID="+id+".n1")
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
			if _, v := stored(b, st, id, "n"); v < 2 {
				b.Fatalf("version %d: the requests saved nothing", v)
			}
		})
	}
}

// BenchmarkEnvelope is the encoding share of a save and a load.
func BenchmarkEnvelope(b *testing.B) {
	for _, size := range sizes {
		d := sessionOf(size.n)
		b.Run("encode/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				encode(d)
			}
		})
		enc := encode(d)
		b.Run("decode/"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				if _, err := decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
