package bundler

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/testfs"
	"github.com/zisi-build/zisi/internal/verify"
	"github.com/zisi-build/zisi/manifest"
)

// buildSite builds fixtures/<name> as the CLI would, with extra options.
func buildSite(t *testing.T, name string, opts Options) (*Report, string, error) {
	t.Helper()
	site, err := filepath.Abs(filepath.Join("..", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(site, "node_modules")); err != nil {
		t.Fatalf("fixtures/%s/node_modules is missing: run make test-deps (make test does)", name)
	}
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	opts.Config, opts.BasePath = &f.Functions, site
	out := t.TempDir()
	rep, err := ZipFunctions(t.Context(), []string{filepath.Join(site, config.DefaultFunctionsDirectory)}, out, opts)
	return rep, out, err
}

// TestHoistedOldBootstrapIsNotShipped: a site on @netlify/functions 2.x
// has @netlify/serverless-functions-api 1.x hoisted in node_modules. Its
// adapter cannot load the entry point, so the archives ship the pinned
// version instead, the report says so, and the handlers answer through
// the entry point.
func TestHoistedOldBootstrapIsNotShipped(t *testing.T) {
	t.Parallel()
	rep, out, err := buildSite(t, "v2-hoisted", Options{})
	if err != nil {
		t.Fatal(err)
	}
	site, _ := filepath.Abs("../fixtures/v2-hoisted")
	hoisted := filepath.Join(site, "node_modules", "@netlify", "serverless-functions-api")
	b := rep.Bootstrap
	if b == nil || b.Version != node.BootstrapVersion || len(b.Unused) != 1 || b.Unused[0] != "1.26.1 in "+hoisted {
		t.Fatalf("bootstrap %+v, want %s with the hoisted 1.26.1 named as unused", b, node.BootstrapVersion)
	}
	siteCopy, err := os.ReadFile(filepath.Join(hoisted, "dist", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range rep.Functions {
		if fn.BootstrapVersion != node.BootstrapVersion {
			t.Errorf("%s: bootstrapVersion %q", fn.Name, fn.BootstrapVersion)
		}
		if bytes.Equal(testfs.ZipEntry(t, fn.Path, node.BootstrapName), siteCopy) {
			t.Errorf("%s ships the site's 1.x bootstrap", fn.Name)
		}
		if meta := string(testfs.ZipEntry(t, fn.Path, node.MetadataName)); !strings.Contains(meta, `"bootstrap_version":"`+node.BootstrapVersion+`"`) {
			t.Errorf("%s: metadata %s", fn.Name, meta)
		}
	}
	results, err := verify.Dir(t.Context(), out, verify.Options{Invoke: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status int
		body   string
	}{
		"hello": {201, `{"path":"/","wait":7200000}`},
		"ping":  {200, "pong"},
	}
	for _, r := range results {
		w, ok := want[r.Name]
		if !ok || r.StatusCode != w.status || r.Body != w.body {
			t.Errorf("%s: status %d body %q (error %s), want %d %q", r.Name, r.StatusCode, r.Body, r.Error, w.status, w.body)
		}
	}
	if len(results) != len(want) {
		t.Errorf("verified %d functions, want %d", len(results), len(want))
	}
}

// TestBootstrapVersions proves the compatibility rule on real releases
// (installed by make test-deps as bootstrap-VERSION): --bootstrap accepts
// exactly the versions whose adapter answers through zisi's entry point.
// Each version is also swapped into an archive built with the pinned one
// and called, so the rule is checked against the real behaviour, not only
// against itself.
func TestBootstrapVersions(t *testing.T) {
	t.Parallel()
	tools := os.Getenv("ZISI_NODE_TOOLS")
	if tools == "" {
		t.Skip("ZISI_NODE_TOOLS not set (make test sets it up)")
	}
	versions, _ := filepath.Glob(filepath.Join(tools, "node_modules", "bootstrap-*"))
	if len(versions) < 2 {
		t.Fatalf("no bootstrap-VERSION packages in %s: run make test-deps", tools)
	}
	_, pinnedOut, err := buildSite(t, "v2-hoisted", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range versions {
		version := strings.TrimPrefix(filepath.Base(dir), "bootstrap-")
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			compatible := node.CheckBootstrapVersion(version) == nil

			// What --bootstrap does with it.
			rep, _, err := buildSite(t, "v2-hoisted", Options{BootstrapDir: dir})
			switch {
			case compatible && err != nil:
				t.Fatalf("--bootstrap %s: %v", version, err)
			case compatible && (rep.Bootstrap == nil || rep.Bootstrap.Version != version || !strings.HasPrefix(rep.Bootstrap.Source, "--bootstrap")):
				t.Errorf("--bootstrap %s: shipped %+v", version, rep.Bootstrap)
			case !compatible && !errors.Is(err, node.ErrIncompatibleBootstrap):
				t.Errorf("--bootstrap %s: got %v, want ErrIncompatibleBootstrap", version, err)
			}

			// What the release really does behind the entry point.
			data, err := os.ReadFile(filepath.Join(pinnedOut, "manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := manifest.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			hello := m.Functions[slices.IndexFunc(m.Functions, func(f manifest.Function) bool { return f.Name == "hello" })]
			archive, err := os.ReadFile(hello.Path)
			if err != nil {
				t.Fatal(err)
			}
			hello.Path = filepath.Join(t.TempDir(), "hello.zip")
			if err := os.WriteFile(hello.Path, archive, 0o644); err != nil {
				t.Fatal(err)
			}
			adapter, err := os.ReadFile(filepath.Join(dir, "dist", "index.js"))
			if err != nil {
				t.Fatal(err)
			}
			testfs.RewriteZip(t, hello.Path, hello.Path, map[string][]byte{node.BootstrapName: adapter})
			results, err := verify.Functions(t.Context(), []manifest.Function{hello}, verify.Options{Invoke: true})
			if err != nil {
				t.Fatal(err)
			}
			answered := len(results) == 1 && results[0].StatusCode == 201
			if answered != compatible {
				t.Errorf("%s: answered through the entry point = %v, but CheckBootstrapVersion says compatible = %v (%+v)", version, answered, compatible, results)
			}
		})
	}
}
