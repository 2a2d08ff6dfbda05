package bundler

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/config"
)

// copySite copies src to dst creating files in the given order, with
// distinct modification times, so any dependence on creation order,
// directory order or timestamps would change the archives.
func copySite(t *testing.T, src, dst string, reverse bool) {
	t.Helper()
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if reverse {
		slices.Reverse(files)
	}
	for i, f := range files {
		rel, _ := filepath.Rel(src, f)
		out := filepath.Join(dst, rel)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(out), 0o755)
		// Keep the execute bits, which archives record; nothing else.
		if err := os.WriteFile(out, data, 0o600|fi.Mode().Perm()&0o111); err != nil {
			t.Fatal(err)
		}
		stamp := time.Date(2001+i, 2, 3, 4, 5, 6, 0, time.UTC)
		os.Chtimes(out, stamp, stamp)
	}
}

func archiveHashes(t *testing.T, src, out string) map[string]string {
	t.Helper()
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{Parallel: 3}); err != nil {
		t.Fatal(err)
	}
	return zipHashes(t, out)
}

// zipHashes returns the sha256 of every zip in out, by file name.
func zipHashes(t *testing.T, out string) map[string]string {
	t.Helper()
	hashes := map[string]string{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".zip") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		hashes[e.Name()] = hex.EncodeToString(sum[:])
	}
	return hashes
}

func TestBuildsAreByteIdentical(t *testing.T) {
	t.Parallel()
	demo, _ := filepath.Abs("../fixtures/demo/netlify/functions")
	forward, backward := t.TempDir(), t.TempDir()
	copySite(t, demo, forward, false)
	copySite(t, demo, backward, true)
	first := archiveHashes(t, demo, t.TempDir())
	if len(first) != 5 {
		t.Fatalf("built %d archives, want 5", len(first))
	}
	for name, other := range map[string]map[string]string{
		"second build":            archiveHashes(t, demo, t.TempDir()),
		"copy created in order":   archiveHashes(t, forward, t.TempDir()),
		"copy created in reverse": archiveHashes(t, backward, t.TempDir()),
	} {
		for zipName, sum := range first {
			if other[zipName] != sum {
				t.Errorf("%s: %s sha256 %s, first build %s", name, zipName, other[zipName], sum)
			}
		}
	}
}

// TestUnzipSeesFixedDateAndModes reads the archives with Info-ZIP's
// `unzip -Z`, an independent implementation, to confirm the stored date
// (1980-01-01 00:00), Unix modes and that nothing else (extra fields)
// confuses a standard reader.
func TestUnzipSeesFixedDateAndModes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Fatal("unzip is required (make test installs it on CI): ", err)
	}
	demo, _ := filepath.Abs("../fixtures/demo/netlify/functions")
	dest := t.TempDir()
	if _, err := ZipFunctions(t.Context(), []string{demo}, dest, Options{}); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^(-rw-r--r--|-rwxr-xr-x)\s+2\.0 unx\s+\d+ b- (defN|stor) 80-Jan-01 00:00 \S`)
	for _, name := range []string{"api.zip", "greet.zip", "hello.zip"} {
		path := filepath.Join(dest, name)
		out, err := exec.Command("unzip", "-Z", path).CombinedOutput()
		if err != nil {
			t.Fatalf("unzip -Z %s: %v\n%s", name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		entries := lines[2 : len(lines)-1]
		if len(entries) == 0 {
			t.Fatalf("%s: no entries in\n%s", name, out)
		}
		for _, l := range entries {
			if !line.MatchString(l) {
				t.Errorf("%s: unexpected entry line %q", name, l)
			}
		}
		if out, err := exec.Command("unzip", "-tq", path).CombinedOutput(); err != nil {
			t.Errorf("unzip -tq %s: %v\n%s", name, err, out)
		}
	}
}

// siteHashes builds a whole site (functions folder, netlify.toml, base
// path) and hashes its archives.
func siteHashes(t *testing.T, site string) map[string]string {
	t.Helper()
	f, err := config.Load(filepath.Join(site, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	src := filepath.Join(site, config.DefaultFunctionsDirectory)
	if _, err := ZipFunctions(t.Context(), []string{src}, out, Options{Config: &f.Functions, BasePath: site, Parallel: 4}); err != nil {
		t.Fatal(err)
	}
	return zipHashes(t, out)
}

// TestEsbuildAndV2BuildsAreByteIdentical covers what esbuild and the
// tracer produce (TypeScript, ESM, v2 entry points, a sourcemap): the same
// archives on a second build and from copies of the site elsewhere on
// disk, created in either order, since no absolute or temporary path ends
// up inside an archive.
func TestEsbuildAndV2BuildsAreByteIdentical(t *testing.T) {
	t.Parallel()
	site, _ := filepath.Abs("../fixtures/modern")
	forward, backward := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "elsewhere", "b")
	copySite(t, site, forward, false)
	copySite(t, site, backward, true)
	first := siteHashes(t, site)
	if len(first) != 14 {
		t.Fatalf("built %d archives, want 14", len(first))
	}
	for name, other := range map[string]map[string]string{
		"second build":            siteHashes(t, site),
		"copy created in order":   siteHashes(t, forward),
		"copy created in reverse": siteHashes(t, backward),
	} {
		for zipName, sum := range first {
			if other[zipName] != sum {
				t.Errorf("%s: %s sha256 %s, first build %s", name, zipName, other[zipName], sum)
			}
		}
	}
}
