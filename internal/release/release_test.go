package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/testfs"
)

// listTarGz returns "name mode uid:gid mtime" per entry, in archive order.
func listTarGz(t *testing.T, data []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var out []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %o %d:%d%s%s %d", h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime.Unix()))
	}
}

// listZip returns "name mode date time extras" per entry, in archive order.
func listZip(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range zr.File {
		out = append(out, fmt.Sprintf("%s %o %#x %#x %d", f.Name, f.Mode().Perm(), f.ModifiedDate, f.ModifiedTime, len(f.Extra)))
	}
	return out
}

func TestArchiveIsReproducible(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	testfs.Write(t, src, map[string]string{"bin/zisi": "#!binary\n", "README.md": "# zisi\n", "CHANGELOG.md": "## Unreleased\n"})
	docs := []string{filepath.Join(src, "README.md"), filepath.Join(src, "CHANGELOG.md")}
	cases := []struct {
		target Target
		want   []string
	}{
		{Target{"linux", "arm64"}, []string{
			"zisi_1.2.3_linux_arm64/CHANGELOG.md 644 0:0 0", "zisi_1.2.3_linux_arm64/README.md 644 0:0 0", "zisi_1.2.3_linux_arm64/zisi 755 0:0 0",
		}},
		{Target{"windows", "amd64"}, []string{
			"zisi_1.2.3_windows_amd64/CHANGELOG.md 644 0x21 0x0 0", "zisi_1.2.3_windows_amd64/README.md 644 0x21 0x0 0", "zisi_1.2.3_windows_amd64/zisi.exe 755 0x21 0x0 0",
		}},
	}
	for _, c := range cases {
		t.Run(c.target.String(), func(t *testing.T) {
			t.Parallel()
			var runs [][]byte
			for i := range 2 {
				dest := filepath.Join(t.TempDir(), ArchiveName("1.2.3", c.target))
				// Different file times on each run must not show.
				when := time.Date(2001+i, 2, 3, 4, 5, 6, 0, time.UTC)
				for _, f := range append([]string{filepath.Join(src, "bin/zisi")}, docs...) {
					if err := os.Chtimes(f, when, when); err != nil {
						t.Fatal(err)
					}
				}
				if err := Archive(t.Context(), dest, c.target, filepath.Join(src, "bin/zisi"), docs); err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(dest)
				if err != nil {
					t.Fatal(err)
				}
				runs = append(runs, data)
			}
			if !bytes.Equal(runs[0], runs[1]) {
				t.Fatalf("two runs differ: %d and %d bytes", len(runs[0]), len(runs[1]))
			}
			list := listZip
			if c.target.OS != "windows" {
				list = listTarGz
			}
			if got := list(t, runs[0]); !slices.Equal(got, c.want) {
				t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestArchiveRefusesOtherNames(t *testing.T) {
	t.Parallel()
	err := Archive(t.Context(), filepath.Join(t.TempDir(), "zisi.rar"), Target{"linux", "amd64"}, "zisi", nil)
	if err == nil || !strings.Contains(err.Error(), "must end in .zip or .tar.gz") {
		t.Errorf("got %v", err)
	}
}

func TestParseTargetsAndVersion(t *testing.T) {
	t.Parallel()
	if ts, err := ParseTargets("all"); err != nil || len(ts) != 6 {
		t.Errorf("all: %v %v", ts, err)
	}
	if ts, err := ParseTargets("linux/arm64,windows/amd64"); err != nil || !slices.Equal(ts, []Target{{"linux", "arm64"}, {"windows", "amd64"}}) {
		t.Errorf("list: %v %v", ts, err)
	}
	if _, err := ParseTargets("plan9/386"); !errors.Is(err, ErrUnknownTarget) || !strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("plan9/386: %v", err)
	}
	for _, v := range []string{"1.2.3", "0.1.0-rc.1", "1.2.3+meta"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	for _, v := range []string{"", "1.2 3", `1"`, "-x", "a/b"} {
		if err := CheckVersion(v); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func TestBuildEnvPinsTheBuild(t *testing.T) {
	t.Parallel()
	env := BuildEnv([]string{"HOME=/h", "GOFLAGS=-race", "GOAMD64=v3", "CGO_ENABLED=1", "GOOS=plan9"}, Target{"darwin", "arm64"})
	want := []string{"HOME=/h", "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS="}
	if !slices.Equal(env, want) {
		t.Errorf("got %q", env)
	}
}

// TestDistIsReproducible builds the real release for one target (the
// host's, whose compiled packages the other tests share) twice into two
// folders and compares the bytes, then checks SHA256SUMS against them.
func TestDistIsReproducible(t *testing.T) {
	t.Parallel()
	target := Target{runtime.GOOS, runtime.GOARCH}
	if !slices.Contains(Targets, target) {
		target = Target{"linux", "amd64"}
	}
	var outs []string
	for range 2 {
		out := t.TempDir()
		files, err := Dist(t.Context(), Options{Dir: "../..", Env: os.Environ(), Version: "0.0.0-test", Out: out, Targets: []Target{target}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{filepath.Join(out, ArchiveName("0.0.0-test", target)), filepath.Join(out, "SHA256SUMS")}
		if !slices.Equal(files, want) {
			t.Fatalf("wrote %q, want %q", files, want)
		}
		if left, _ := filepath.Glob(filepath.Join(out, ".*")); len(left) > 0 {
			t.Errorf("left behind %q", left)
		}
		outs = append(outs, out)
	}
	name := ArchiveName("0.0.0-test", target)
	a, errA := os.ReadFile(filepath.Join(outs[0], name))
	b, errB := os.ReadFile(filepath.Join(outs[1], name))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("%s differs between two runs: %d and %d bytes", name, len(a), len(b))
	}
	sum := sha256.Sum256(a)
	sums, err := os.ReadFile(filepath.Join(outs[0], "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(sum[:]) + "  " + name + "\n"; string(sums) != want {
		t.Errorf("SHA256SUMS = %q, want %q", sums, want)
	}
	list := listTarGz
	if target.OS == "windows" {
		list = listZip
	}
	var names []string
	for _, l := range list(t, a) {
		names = append(names, strings.Fields(l)[0])
	}
	top := strings.TrimSuffix(strings.TrimSuffix(name, ".tar.gz"), ".zip")
	if want := []string{top + "/CHANGELOG.md", top + "/README.md", top + "/" + target.Binary()}; !slices.Equal(names, want) {
		t.Errorf("archive holds %q, want %q", names, want)
	}
}
