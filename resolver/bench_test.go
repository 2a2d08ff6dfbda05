package resolver

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkResolve resolves a realistic set of specifiers against the
// node-deps fixture's real node_modules (installed by make test-deps):
// cold (a new Resolver, as each build starts) and warm (cached).
func BenchmarkResolve(b *testing.B) {
	site, err := filepath.Abs("../fixtures/node-deps")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(site, "node_modules")); err != nil {
		b.Fatal("run make test-deps first")
	}
	from := filepath.Join(site, "netlify", "functions")
	specs := []string{"lodash", "lodash/upperCase", "uuid", "ws", "chokidar", "debug", "ms", "@hapi/hoek", "@hapi/hoek/lib/clone", "bufferutil", "./lib/helper", "./lib/data", "fs", "node:path"}
	resolveAll := func(b *testing.B, r *Resolver) {
		for _, s := range specs {
			if _, err := r.Resolve(s, from, Require); err != nil {
				b.Fatalf("%s: %v", s, err)
			}
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			resolveAll(b, New(OS()))
		}
	})
	b.Run("warm", func(b *testing.B) {
		r := New(OS())
		resolveAll(b, r)
		for b.Loop() {
			resolveAll(b, r)
		}
	})
}
