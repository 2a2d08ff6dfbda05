package node

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/zisi-build/zisi/resolver"
)

// Bootstrap package: the v2 runtime adapter every v2 archive ships as
// ___netlify-bootstrap.mjs. The version is the one the reference 16.2.3
// ships.
const (
	BootstrapPackage = "@netlify/serverless-functions-api"
	BootstrapVersion = "2.18.0"
)

// ErrNoBootstrap means no copy of the v2 bootstrap could be found or
// fetched.
var ErrNoBootstrap = errors.New("v2 bootstrap not available")

// ErrIncompatibleBootstrap means an explicit bootstrap (--bootstrap) has a
// version whose Lambda adapter cannot load zisi's entry point.
var ErrIncompatibleBootstrap = errors.New("incompatible v2 bootstrap")

// minPathBootstrap is the first version whose getLambdaHandler accepts the
// main file's path, as the entry point passes it; before it, the adapter
// wants the loaded module and every request fails inside the bootstrap
// ("e.default is not a function"). Found by calling functions through the
// entry point with each release; TestBootstrapVersions keeps it honest.
const minPathBootstrap = "v1.41.0"

// Bootstrap is the bootstrap file found for a build.
type Bootstrap struct {
	// File is the package's dist/index.js.
	File string
	// Version is the package's version, recorded in the metadata file.
	Version string
	// Source says where it came from, for messages: "--bootstrap DIR",
	// "the site's node_modules (DIR)" or "the per-user cache (DIR)".
	Source string
	// Unused lists the site's own copies of the package that were passed
	// over because their version is not the pinned one, as
	// "VERSION in DIR".
	Unused []string
}

func (b *Bootstrap) metadata(branch string) []byte {
	data, _ := json.Marshal(struct {
		BootstrapVersion string `json:"bootstrap_version"`
		Branch           string `json:"branch,omitempty"`
		Version          int    `json:"version"`
	}{b.Version, branch, 1})
	return data
}

// BootstrapOptions says where FindBootstrap looks.
type BootstrapOptions struct {
	// Dir is an explicit package directory (--bootstrap).
	Dir string
	// SiteDirs are directories whose node_modules may hold the package
	// (the functions' folders; lookup walks up from each).
	SiteDirs []string
	// CacheDir is the per-user cache; the npm pack result is kept in
	// CacheDir/bootstrap/<version>. Empty disables the cache.
	CacheDir string
	// Npm is the npm executable; "npm" when empty.
	Npm string
	// OnFetch, when set, is called before the cache is filled with npm
	// pack (a one-time download worth telling the user about).
	OnFetch func()
}

// DefaultCacheDir is where zisi keeps downloaded files: $ZISI_CACHE_DIR,
// else the user cache directory's zisi folder.
func DefaultCacheDir() string {
	if d := os.Getenv("ZISI_CACHE_DIR"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "zisi")
}

// FindBootstrap locates the bootstrap: the explicit directory (which must
// hold a compatible version), else a copy of exactly the pinned version in
// the site's own node_modules, else the pinned version in the per-user
// cache, filled on first use with `npm pack` (npm verifies the package's
// integrity and applies the user's registry, mirror and proxy settings).
//
// The reference always ships its own pinned copy. A site's copy of another
// version is never shipped: sites on @netlify/functions 2.x have 1.x
// hoisted, whose adapter cannot load the entry point, and even a working
// newer one would make archives differ from the reference's.
func FindBootstrap(ctx context.Context, o BootstrapOptions) (*Bootstrap, error) {
	if o.Dir != "" {
		return explicitBootstrap(o.Dir)
	}
	var unused []string
	seen := map[string]bool{}
	for _, dir := range o.SiteDirs {
		for d := dir; ; d = filepath.Dir(d) {
			pkg := filepath.Join(d, "node_modules", filepath.FromSlash(BootstrapPackage))
			if !seen[pkg] {
				seen[pkg] = true
				if b, err := readBootstrap(pkg, "the site's node_modules ("+pkg+")"); err == nil {
					if b.Version == BootstrapVersion {
						b.Unused = unused
						return b, nil
					}
					unused = append(unused, b.Version+" in "+pkg)
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	var fetchErr error
	if o.CacheDir != "" {
		dir := filepath.Join(o.CacheDir, "bootstrap", BootstrapVersion, "package")
		b, err := readBootstrap(dir, "the per-user cache ("+dir+")")
		if err != nil {
			if o.OnFetch != nil {
				o.OnFetch()
			}
			if fetchErr = fillCache(ctx, o, dir); fetchErr == nil {
				b, err = readBootstrap(dir, "the per-user cache ("+dir+")")
			}
		}
		if err == nil && fetchErr == nil {
			b.Unused = unused
			return b, nil
		}
		if fetchErr == nil {
			fetchErr = err
		}
	}
	msg := fmt.Sprintf("v2 functions need %s@%s; zisi looks (1) in the directory given with --bootstrap, (2) in the site's node_modules (npm install %s@%s), (3) in the per-user cache, which it fills with npm pack", BootstrapPackage, BootstrapVersion, BootstrapPackage, BootstrapVersion)
	if len(unused) > 0 {
		msg += "; the site's " + strings.Join(unused, ", ") + " is not used: only " + BootstrapVersion + " is taken from a site"
	}
	if fetchErr != nil {
		msg += ": " + fetchErr.Error()
	}
	return nil, fmt.Errorf("%w: %s", ErrNoBootstrap, msg)
}

// explicitBootstrap reads --bootstrap DIR and checks that its version can
// load the entry point.
func explicitBootstrap(dir string) (*Bootstrap, error) {
	b, err := readBootstrap(dir, "--bootstrap "+dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; point --bootstrap at an unpacked %s package (the directory holding its package.json)", ErrNoBootstrap, err, BootstrapPackage)
	}
	if err := CheckBootstrapVersion(b.Version); err != nil {
		return nil, fmt.Errorf("%w: --bootstrap %s: %w", ErrIncompatibleBootstrap, dir, err)
	}
	return b, nil
}

// CheckBootstrapVersion reports whether a bootstrap version can serve the
// entry point zisi writes: from 1.41.0 (the first whose getLambdaHandler
// takes a path) up to, not including, the next major after the pinned one.
func CheckBootstrapVersion(version string) error {
	v := "v" + version
	if !semver.IsValid(v) {
		return fmt.Errorf("version %q is not a semantic version; use %s@%s", version, BootstrapPackage, BootstrapVersion)
	}
	if semver.Compare(v, minPathBootstrap) < 0 {
		return fmt.Errorf("version %s cannot load zisi's entry point (its getLambdaHandler takes a loaded module, not a path, so every request would fail); use %s@%s, or any version from %s", version, BootstrapPackage, BootstrapVersion, minPathBootstrap[1:])
	}
	if semver.Major(v) != semver.Major("v"+BootstrapVersion) && semver.Compare(v, "v"+BootstrapVersion) > 0 {
		return fmt.Errorf("version %s is a newer major version than zisi was tested with; use %s@%s", version, BootstrapPackage, BootstrapVersion)
	}
	return nil
}

func readBootstrap(dir, source string) (*Bootstrap, error) {
	path := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pj, err := resolver.ParsePackageJSON(path, data)
	if err != nil {
		return nil, err
	}
	if pj.Name != BootstrapPackage {
		return nil, fmt.Errorf("%s is %q, not %s", dir, pj.Name, BootstrapPackage)
	}
	file := filepath.Join(dir, "dist", "index.js")
	if _, err := os.Stat(file); err != nil {
		return nil, err
	}
	return &Bootstrap{File: file, Version: pj.Version, Source: source}, nil
}

// fillCache runs npm pack into a temporary directory beside dest, unpacks
// the tarball and renames it into place, so a concurrent or interrupted
// run never sees a half-filled cache.
func fillCache(ctx context.Context, o BootstrapOptions, dest string) error {
	npm := o.Npm
	if npm == "" {
		npm = "npm"
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".fill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, npm, "pack", "--json", "--pack-destination", tmp, BootstrapPackage+"@"+BootstrapVersion)
	cmd.Dir = tmp
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm pack %s@%s: %w: %s", BootstrapPackage, BootstrapVersion, err, strings.TrimSpace(lastLines(stderr.String(), 5)))
	}
	var packed []struct{ Filename string }
	if err := json.Unmarshal(stdout.Bytes(), &packed); err != nil || len(packed) == 0 {
		return fmt.Errorf("npm pack %s@%s: unexpected output %q", BootstrapPackage, BootstrapVersion, lastLines(stdout.String(), 3))
	}
	unpacked := filepath.Join(tmp, "out")
	if err := untar(filepath.Join(tmp, filepath.Base(packed[0].Filename)), unpacked); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(unpacked, "package"), dest); err != nil {
		if _, statErr := os.Stat(filepath.Join(dest, "package.json")); statErr == nil {
			return nil // another build filled it first
		}
		return fmt.Errorf("fill bootstrap cache: %w", err)
	}
	return nil
}

// untar unpacks an npm tarball's regular files under dest, refusing
// entries that would land outside it.
func untar(tgz, dest string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", tgz, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", tgz, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("read %s: entry %q leaves the package", tgz, h.Name)
		}
		p := filepath.Join(dest, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpack %s: %w", p, err)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
