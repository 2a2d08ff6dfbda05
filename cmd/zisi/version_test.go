package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/release"
)

func TestVersionInfoFromBuildInfo(t *testing.T) {
	t.Parallel()
	const rev = "1cf44afaef5c9bae7c0aa857eab64cd959b89352"
	info := func(mainVersion string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/zisi-build/zisi", Version: mainVersion}}
		settings = append([]string{"GOOS", "linux", "GOARCH", "arm64"}, settings...)
		for i := 0; i < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	vcs := func(modified string) []string {
		return []string{"vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-01T12:03:35Z", "vcs.modified", modified}
	}
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		ld   stamp
		want string
	}{
		{"go install module@v1.2.3", info("v1.2.3"), stamp{version: "dev"},
			"zisi 1.2.3 (go1.26.8, linux/arm64)"},
		{"go install module@commit", info("v0.0.0-20261201120335-1cf44afaef5c"), stamp{version: "dev"},
			"zisi 0.0.0-20261201120335-1cf44afaef5c (commit 1cf44af, go1.26.8, linux/arm64)"},
		{"go build in an untagged checkout with changes", info("v0.0.0-20261201120335-1cf44afaef5c+dirty", vcs("true")...), stamp{version: "dev"},
			"zisi dev (commit 1cf44af-dirty, go1.26.8, linux/arm64)"},
		{"go build in a tagged clean checkout", info("v1.2.3", vcs("false")...), stamp{version: "dev"},
			"zisi 1.2.3 (commit 1cf44af, go1.26.8, linux/arm64)"},
		{"go build in a tagged checkout with changes", info("v1.2.3+dirty", vcs("true")...), stamp{version: "dev"},
			"zisi 1.2.3 (commit 1cf44af-dirty, go1.26.8, linux/arm64)"},
		{"make dist in a worktree: no VCS settings, -X values", info("(devel)"), stamp{version: "1.2.3", commit: rev, modified: "false", commitTime: "2026-12-01T12:03:35Z"},
			"zisi 1.2.3 (commit 1cf44af, go1.26.8, linux/arm64)"},
		{"-X commit wins over an enclosing checkout's revision", info("(devel)", vcs("true")...), stamp{version: "dev", commit: "abcdef0123", modified: "false"},
			"zisi dev (commit abcdef0, go1.26.8, linux/arm64)"},
		{"no build information", nil, stamp{},
			"zisi dev (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := newVersionInfo(c.bi, c.ld).String(); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
	v := newVersionInfo(info("v0.0.0-20261201120335-1cf44afaef5c+dirty", vcs("true")...), stamp{version: "dev"})
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"dev","commit":"` + rev + `","modified":true,"commitTime":"2026-12-01T12:03:35Z","go":"go1.26.8","os":"linux","arch":"arm64"}`
	if string(data) != want {
		t.Errorf("JSON\n got  %s\n want %s", data, want)
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	want := currentVersion().String() + "\n"
	if !strings.HasPrefix(want, "zisi dev (") || !strings.Contains(want, runtime.Version()) {
		t.Errorf("in-process version %q", want)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if r := run(t, args...); r.code != 0 || r.stdout != want {
			t.Errorf("%q: exit %d, %q; want %q", args, r.code, r.stdout, want)
		}
	}
	r := run(t, "version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != 0 {
		t.Fatalf("version --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if v.Version != "dev" || v.Go != runtime.Version() || v.OS != runtime.GOOS || v.Arch != runtime.GOARCH {
		t.Errorf("version --json: %+v", v)
	}
	if r := run(t, "version", "extra"); r.code != 2 || !strings.Contains(r.stderr, `version takes no arguments, got "extra"`) {
		t.Errorf("version extra: exit %d, %q", r.code, r.stderr)
	}
}

// TestVersionOfTheRealBinary builds zisi with the release flags (as make
// build and make dist do) and checks that it names the commit of HEAD and
// whether the checkout has changes, as git reports them.
func TestVersionOfTheRealBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "zisi")
	err := release.Build(t.Context(), release.BuildOptions{
		Dir: "../..", Env: os.Environ(), Target: release.Target{OS: runtime.GOOS, Arch: runtime.GOARCH}, Version: "9.9.9-test", Out: bin,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	text, err := exec.CommandContext(t.Context(), bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(text)); got != v.String() {
		t.Errorf("version says %q, --json %q", got, v.String())
	}
	if v.Go != runtime.Version() || v.OS != runtime.GOOS || v.Arch != runtime.GOARCH {
		t.Errorf("built binary reports %+v", v)
	}
	git := func(args ...string) (string, error) {
		out, err := exec.CommandContext(t.Context(), "git", append([]string{"-C", "../.."}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	// A tag at HEAD is the version go build records; else the -X value.
	if tags, _ := git("tag", "--points-at", "HEAD", "--list", "v[0-9]*"); tags == "" && v.Version != "9.9.9-test" {
		t.Errorf("version %q, want 9.9.9-test", v.Version)
	}
	head, err := git("rev-parse", "HEAD")
	if err != nil {
		t.Logf("no git metadata (%v): commit not checked", err)
		return
	}
	status, err := git("status", "--porcelain")
	if err != nil {
		t.Fatal(err)
	}
	if v.Commit != head || v.Modified != (status != "") || v.CommitTime == "" {
		t.Errorf("binary reports commit %q modified %t time %q; HEAD is %s, git status lists %d bytes", v.Commit, v.Modified, v.CommitTime, head, len(status))
	}
	wantText := "commit " + head[:7]
	if status != "" {
		wantText += "-dirty"
	}
	if !strings.Contains(string(text), wantText) {
		t.Errorf("version %q lacks %q", text, wantText)
	}
}
