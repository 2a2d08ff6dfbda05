package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zisi-build/zisi/internal/archive"
)

// Target is one platform a release is built for.
type Target struct {
	// OS and Arch are GOOS and GOARCH.
	OS, Arch string
}

// String returns the target as GOOS/GOARCH.
func (t Target) String() string { return t.OS + "/" + t.Arch }

// Binary returns the executable's file name on the target.
func (t Target) Binary() string {
	if t.OS == "windows" {
		return "zisi.exe"
	}
	return "zisi"
}

// Targets are the platforms `make dist` builds: linux, darwin and windows,
// each on amd64 and arm64.
var Targets = []Target{
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// ErrUnknownTarget is returned by ParseTargets for a platform not in
// Targets.
var ErrUnknownTarget = errors.New("unknown release target")

// ParseTargets reads a comma-separated list of GOOS/GOARCH pairs; "" or
// "all" means every one of Targets.
func ParseTargets(s string) ([]Target, error) {
	if s == "" || s == "all" {
		return slices.Clone(Targets), nil
	}
	var out []Target
	for _, f := range strings.Split(s, ",") {
		goos, goarch, _ := strings.Cut(strings.TrimSpace(f), "/")
		t := Target{goos, goarch}
		if !slices.Contains(Targets, t) {
			return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownTarget, f, targetList())
		}
		out = append(out, t)
	}
	return out, nil
}

func targetList() string {
	s := make([]string, len(Targets))
	for i, t := range Targets {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// ErrInvalidVersion is returned for a version that cannot be stamped or
// put in a file name.
var ErrInvalidVersion = errors.New("invalid release version")

var versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]*$`)

// CheckVersion refuses a version that would break the -ldflags argument
// or an archive name: only letters, digits and . + _ - are allowed.
func CheckVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("%w %q: use letters, digits and . + _ - only, such as 1.2.3", ErrInvalidVersion, v)
	}
	return nil
}

// BuildOptions says how to build one binary.
type BuildOptions struct {
	// Dir is the module root, the folder holding go.mod.
	Dir string
	// Go is the go command; default "go" from PATH.
	Go string
	// Env is the base environment (the process's, in a command). The
	// variables the build pins replace any value in it.
	Env []string
	// Target is the platform to build for.
	Target Target
	// Version is stamped as main.version; default "dev".
	Version string
	// Out is the path of the binary to write.
	Out string
}

// Stamp is what a build records in cmd/zisi's variables with -X, for
// `zisi version`.
type Stamp struct {
	// Version is the release version (main.version).
	Version string
	// Commit is the full revision of HEAD; empty outside a git checkout.
	Commit string
	// Modified is true when git status lists changes, untracked files
	// included, as go build's vcs.modified counts them.
	Modified bool
	// CommitTime is the commit's time, RFC 3339 in UTC.
	CommitTime string
}

// GitStamp reads the commit of the git checkout at dir, as `make build`
// does in shell. It is the zero Stamp (with version) when dir is not a
// checkout or git is missing: the build then records only the version.
// go build's own VCS stamping cannot be relied on for this: it does not
// recognise a linked worktree (golang/go#58218).
func GitStamp(ctx context.Context, dir, version string) Stamp {
	st := Stamp{Version: version}
	git := func(args ...string) (string, bool) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err == nil
	}
	rev, ok := git("rev-parse", "HEAD")
	if !ok || rev == "" {
		return st
	}
	status, ok := git("status", "--porcelain")
	if !ok {
		return st
	}
	secs, ok := git("show", "-s", "--format=%ct", "HEAD")
	if !ok {
		return st
	}
	st.Commit, st.Modified = rev, status != ""
	if n, err := strconv.ParseInt(secs, 10, 64); err == nil {
		st.CommitTime = time.Unix(n, 0).UTC().Format(time.RFC3339)
	}
	return st
}

// LDFlags returns the -ldflags value for s: stripped symbols, and each
// field set with -X.
func LDFlags(s Stamp) string {
	return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.modified=%t -X main.commitTime=%s", s.Version, s.Commit, s.Modified, s.CommitTime)
}

// BuildArgs returns the arguments of the go command that builds zisi
// with the release flags, the same flags `make build` and `make install`
// pass.
func BuildArgs(s Stamp, out string) []string {
	return []string{"build", "-trimpath", "-buildvcs=auto", "-ldflags", LDFlags(s), "-o", out, "./cmd/zisi"}
}

// BuildEnv returns base with the variables a reproducible build pins:
// GOOS and GOARCH of t, CGO_ENABLED=0, the baseline microarchitecture
// levels and an empty GOFLAGS, so a user's settings cannot change the
// bytes.
func BuildEnv(base []string, t Target) []string {
	pinned := []string{"GOOS=" + t.OS, "GOARCH=" + t.Arch, "CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS="}
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(pinned, func(p string) bool { return strings.HasPrefix(p, k+"=") }) {
			env = append(env, kv)
		}
	}
	return append(env, pinned...)
}

// Build compiles zisi for o.Target into o.Out.
func Build(ctx context.Context, o BuildOptions) error {
	if o.Version == "" {
		o.Version = "dev"
	}
	if err := CheckVersion(o.Version); err != nil {
		return err
	}
	goCmd := o.Go
	if goCmd == "" {
		goCmd = "go"
	}
	// -o is relative to the module root the command runs in.
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return fmt.Errorf("build zisi: resolve %q: %w", o.Out, err)
	}
	cmd := exec.CommandContext(ctx, goCmd, BuildArgs(GitStamp(ctx, o.Dir, o.Version), out)...)
	cmd.Dir = o.Dir
	cmd.Env = BuildEnv(o.Env, o.Target)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.Join(strings.Fields(string(out)), " ")
		return fmt.Errorf("build zisi for %s in %q: %w: %s", o.Target, o.Dir, err, msg)
	}
	return nil
}

// ArchiveName returns the file name of the release archive for version
// and t: zisi_VERSION_OS_ARCH.tar.gz, or .zip for windows.
func ArchiveName(version string, t Target) string {
	base := "zisi_" + version + "_" + t.OS + "_" + t.Arch
	if t.OS == "windows" {
		return base + ".zip"
	}
	return base + ".tar.gz"
}

// Archive writes the release archive dest (a .zip or a .tar.gz, by its
// name) atomically: the binary and each of docs under one top-level
// folder named after the archive, so unpacking it never scatters files in
// the current folder. The binary is stored as executable.
func Archive(ctx context.Context, dest string, t Target, binary string, docs []string) error {
	name := filepath.Base(dest)
	top, zip := strings.TrimSuffix(name, ".zip"), strings.HasSuffix(name, ".zip")
	if !zip {
		top = strings.TrimSuffix(name, ".tar.gz")
	}
	if top == name {
		return fmt.Errorf("archive %q: the name must end in .zip or .tar.gz", dest)
	}
	entries := []archive.Entry{{Name: top + "/" + t.Binary(), Path: binary, Executable: true}}
	for _, d := range docs {
		entries = append(entries, archive.Entry{Name: top + "/" + filepath.Base(d), Path: d})
	}
	var err error
	if zip {
		_, err = archive.WriteZip(ctx, dest, entries, nil)
	} else {
		_, err = archive.WriteTarGz(ctx, dest, entries, nil)
	}
	return err
}

// Options says what Dist builds.
type Options struct {
	// Dir is the module root; its README.md and CHANGELOG.md, and LICENSE
	// when present, go into every archive.
	Dir string
	// Go is the go command; default "go".
	Go string
	// Env is the base environment of the builds (see BuildOptions.Env).
	Env []string
	// Version names the release, as in 1.2.3 (no leading v).
	Version string
	// Out is the folder the archives and SHA256SUMS are written to.
	Out string
	// Targets are the platforms to build; default all of Targets.
	Targets []Target
}

// Docs are the files of the module root that ship next to the binary;
// LICENSE is optional.
var Docs = []string{"LICENSE", "README.md", "CHANGELOG.md"}

// Dist builds a release archive per target into o.Out, then SHA256SUMS
// over them, in the format `sha256sum -c` reads. It returns the paths
// written, SHA256SUMS last.
func Dist(ctx context.Context, o Options) ([]string, error) {
	if err := CheckVersion(o.Version); err != nil {
		return nil, err
	}
	targets := o.Targets
	if len(targets) == 0 {
		targets = Targets
	}
	var docs []string
	for _, d := range Docs {
		p := filepath.Join(o.Dir, d)
		if _, err := os.Stat(p); err != nil {
			if d == "LICENSE" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("dist: read %q: %w", p, err)
		}
		docs = append(docs, p)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("dist: create %q: %w", o.Out, err)
	}
	tmp, err := os.MkdirTemp(o.Out, ".build-")
	if err != nil {
		return nil, fmt.Errorf("dist: create a build folder in %q: %w", o.Out, err)
	}
	defer os.RemoveAll(tmp)
	var written []string
	for _, t := range targets {
		bin := filepath.Join(tmp, t.OS+"_"+t.Arch, t.Binary())
		bo := BuildOptions{Dir: o.Dir, Go: o.Go, Env: o.Env, Target: t, Version: o.Version, Out: bin}
		if err := Build(ctx, bo); err != nil {
			return written, err
		}
		dest := filepath.Join(o.Out, ArchiveName(o.Version, t))
		if err := Archive(ctx, dest, t, bin, docs); err != nil {
			return written, err
		}
		written = append(written, dest)
	}
	sums, err := WriteChecksums(filepath.Join(o.Out, "SHA256SUMS"), written)
	if err != nil {
		return written, err
	}
	return append(written, sums), nil
}

// WriteChecksums writes dest atomically with one line per file, sorted by
// name: the SHA-256 in hex, two spaces and the base name, as sha256sum
// prints them. It returns dest.
func WriteChecksums(dest string, files []string) (string, error) {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	var b strings.Builder
	for _, f := range sorted {
		sum, err := fileSHA256(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, filepath.Base(f))
	}
	tmp := dest + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("write %q: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %q: %w", dest, err)
	}
	return dest, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum %q: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum %q: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
