package bundler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/config"
)

// BenchmarkZipFunctionsNodeDeps builds the node-deps fixture (ten
// functions over real packages) end to end: discovery, resolution,
// compression and writing.
func BenchmarkZipFunctionsNodeDeps(b *testing.B) {
	site, _ := filepath.Abs("../fixtures/node-deps")
	if _, err := os.Stat(filepath.Join(site, "node_modules")); err != nil {
		b.Fatal("run make test-deps first")
	}
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(site, "netlify", "functions")
	for b.Loop() {
		out := b.TempDir()
		if _, err := ZipFunctions(b.Context(), []string{src}, out, Options{Config: &f.Functions, BasePath: site}); err != nil {
			b.Fatal(err)
		}
	}
}
