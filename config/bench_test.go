package config

import (
	"fmt"
	"strings"
	"testing"
)

// sectionsTOML is a netlify.toml with a "*" section, a glob section and
// n [functions."name-N"] sections of two keys each.
func sectionsTOML(n int) []byte {
	var b strings.Builder
	b.WriteString("[functions]\ndirectory = \"netlify/functions\"\nnode_bundler = \"esbuild\"\n\n[functions.\"name-1*\"]\ntimeout = 20\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[functions.\"name-%d\"]\nexternal_node_modules = [\"m%d\"]\nmemory = %d\n", i, i, 128+i%1024)
	}
	return []byte(b.String())
}

// BenchmarkParseSections: loading a netlify.toml of 2000 and 20000
// function sections (ten times a large real site at the larger size).
// Linear: the larger takes about ten times as long.
func BenchmarkParseSections(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		data := sectionsTOML(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				f, err := Parse("/site/netlify.toml", data)
				if err != nil {
					b.Fatal(err)
				}
				if len(f.Functions.Patterns) != n+2 {
					b.Fatalf("%d patterns", len(f.Functions.Patterns))
				}
			}
		})
	}
}

// BenchmarkForFunction: the merged configuration of every function of a
// site with one section per function (2000 and 20000 of each), as a build
// asks for it (Compile, then ForFunction for each). Each op is the whole
// site.
func BenchmarkForFunction(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		f, err := Parse("/site/netlify.toml", sectionsTOML(n))
		if err != nil {
			b.Fatal(err)
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("name-%d", i)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				m := f.Functions.Compile()
				for _, name := range names {
					if fc := m.ForFunction(name); len(fc.ExternalNodeModules) != 1 {
						b.Fatalf("%s: %+v", name, fc)
					}
				}
			}
		})
	}
}

// BenchmarkForFunctionOnce: one function's configuration straight from
// the Config (no Compile), among 2000 and 20000 sections: linear.
func BenchmarkForFunctionOnce(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		f, err := Parse("/site/netlify.toml", sectionsTOML(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if fc := f.Functions.ForFunction("name-7"); len(fc.ExternalNodeModules) != 1 {
					b.Fatalf("%+v", fc)
				}
			}
		})
	}
}

// longHeaderTOML is a netlify.toml with one [functions.f.a.a.…] header of
// n parts, then n keys in that table.
func longHeaderTOML(n int) []byte {
	var b strings.Builder
	b.WriteString("[functions.f" + strings.Repeat(".a", n) + "]\n")
	for i := range n {
		fmt.Fprintf(&b, "k%d = %d\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkParseLongHeader: n keys under a header of n parts (2000 and
// 20000). Linear: a key must not cost the length of its table's header
// (a joined path per key did: 20000 keys of a 40 kB header made 800 MB).
func BenchmarkParseLongHeader(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		data := longHeaderTOML(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				f, err := Parse("/site/netlify.toml", data)
				if err != nil {
					b.Fatal(err)
				}
				if len(f.Functions.Patterns) != 1 || len(f.Warnings) != 1 {
					b.Fatalf("%d patterns, warnings %v", len(f.Functions.Patterns), f.Warnings)
				}
			}
		})
	}
}
