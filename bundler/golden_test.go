package bundler

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/config"
)

var update = flag.Bool("update", false, "rewrite the golden files under fixtures/*/expected")

// goldenScenarios are the fixtures/ sites built by TestGolden. Each one's
// expected result lives in fixtures/<name>/expected<suffix>/ as reviewable
// text: the archive listings, the results and the manifest with paths made
// relative.
//
// Scenarios over real node_modules (installed by make test-deps) collapse
// each package to one line with its file count, and results to input
// counts, so their goldens stay readable.
var goldenScenarios = []struct {
	name     string
	suffix   string
	format   ArchiveFormat
	collapse bool
}{
	{name: "demo", format: ArchiveZip},
	{name: "demo", suffix: "-none", format: ArchiveNone},
	{name: "discovery", format: ArchiveZip},
	{name: "config", format: ArchiveZip},
	{name: "node-deps", format: ArchiveZip, collapse: true},
	{name: "node-pnpm", format: ArchiveZip, collapse: true},
	{name: "modern", format: ArchiveZip, collapse: true},
	{name: "modern", suffix: "-none", format: ArchiveNone, collapse: true},
	{name: "v2-hoisted", format: ArchiveZip, collapse: true},
}

func TestGolden(t *testing.T) {
	for _, sc := range goldenScenarios {
		t.Run(sc.name+sc.suffix, func(t *testing.T) {
			t.Parallel()
			siteDir, err := filepath.Abs(filepath.Join("..", "fixtures", sc.name))
			if err != nil {
				t.Fatal(err)
			}
			f, err := config.Load(filepath.Join(siteDir, "netlify.toml"))
			if err != nil {
				t.Fatal(err)
			}
			src := f.FunctionsDirectory
			if src == "" {
				src = filepath.Join(siteDir, config.DefaultFunctionsDirectory)
			}
			out := t.TempDir()
			rep, err := ZipFunctions(t.Context(), []string{src}, out, Options{
				Config:        &f.Functions,
				BasePath:      siteDir,
				ArchiveFormat: sc.format,
				Now:           func() time.Time { return time.UnixMilli(0) },
			})
			if err != nil {
				t.Fatal(err)
			}
			results := rep.Functions
			if sc.collapse {
				results = slices.Clone(results)
				for i := range results {
					results[i].Inputs = []string{fmt.Sprintf("(%d files)", len(results[i].Inputs))}
				}
			}
			norm := strings.NewReplacer(siteDir, "<site>", out, "<out>")
			got := map[string]string{
				"archives.txt":  norm.Replace(listOutputs(t, out, sc.collapse)),
				"results.json":  norm.Replace(mustJSON(t, results)),
				"manifest.json": norm.Replace(prettyJSON(t, filepath.Join(out, "manifest.json"))),
			}
			compareGolden(t, filepath.Join(siteDir, "expected"+sc.suffix), got)
		})
	}
}

// listOutputs describes every archive or directory in out: entry name,
// mode, size and CRC-32, one per line; with collapse, the files of each
// node_modules package are counted on one line instead.
func listOutputs(t *testing.T, out string, collapse bool) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(out, e.Name())
		switch {
		case e.Name() == "manifest.json":
		case strings.HasSuffix(e.Name(), ".zip"):
			zr, err := zip.OpenReader(p)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s\n", e.Name())
			counts := map[string]int{}
			for _, f := range zr.File {
				if pkg := packagePrefix(f.Name); collapse && pkg != "" && f.Mode()&os.ModeSymlink == 0 {
					if counts[pkg] == 0 {
						fmt.Fprintf(&b, "  %-40s PACKAGE\n", pkg)
					}
					counts[pkg]++
					continue
				}
				fmt.Fprintf(&b, "  %-40s %s %6d %08x\n", f.Name, f.Mode(), f.UncompressedSize64, f.CRC32)
			}
			zr.Close()
			listing := b.String()
			for pkg, n := range counts {
				listing = strings.Replace(listing, fmt.Sprintf("  %-40s PACKAGE\n", pkg), fmt.Sprintf("  %-40s (%d files)\n", pkg, n), 1)
			}
			b.Reset()
			b.WriteString(listing)
		case e.IsDir():
			fmt.Fprintf(&b, "%s/\n", e.Name())
			var lines []string
			filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				fi, _ := os.Lstat(q)
				rel, _ := filepath.Rel(p, q)
				lines = append(lines, fmt.Sprintf("  %-40s %s %6d", filepath.ToSlash(rel), fi.Mode(), fi.Size()))
				return nil
			})
			sort.Strings(lines)
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
	return b.String()
}

// packagePrefix returns the node_modules/<pkg>/ directory an entry is in
// (scoped names and pnpm's .pnpm store included), or "".
func packagePrefix(name string) string {
	i := strings.LastIndex(name, "node_modules/")
	if i < 0 {
		return ""
	}
	rest := strings.Split(name[i+len("node_modules/"):], "/")
	n := 1
	if strings.HasPrefix(rest[0], "@") {
		n = 2
	}
	if len(rest) <= n {
		return ""
	}
	return name[:i] + "node_modules/" + strings.Join(rest[:n], "/") + "/"
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + "\n"
}

func prettyJSON(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	return buf.String() + "\n"
}

// compareGolden checks got against dir's files, or rewrites them with
// -update.
func compareGolden(t *testing.T, dir string, got map[string]string) {
	t.Helper()
	for name, content := range got {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./bundler -update to create it)", err)
		}
		if string(want) != content {
			t.Errorf("%s differs (go test ./bundler -update rewrites it):\n%s", path, diffLines(string(want), content))
		}
	}
}

// diffLines shows the first differing lines.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, a, b)
		}
	}
	return "(no line differs)"
}
