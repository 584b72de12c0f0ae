package config

import (
	"os"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/full.good.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("full.good.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPatch is one manager edit written into a commented file: the
// text patch and its check against the edited tree.
func BenchmarkPatch(b *testing.B) {
	data, err := os.ReadFile("testdata/commented.good.yaml")
	if err != nil {
		b.Fatal(err)
	}
	e := Edit{Balancer: "shop", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 3}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Patch(data, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWithEdits is the in-memory side of the same edit.
func BenchmarkWithEdits(b *testing.B) {
	c, err := Load("testdata/commented.good.yaml")
	if err != nil {
		b.Fatal(err)
	}
	edits := []Edit{{Balancer: "shop", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 3}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WithEdits(c, edits); err != nil {
			b.Fatal(err)
		}
	}
}
