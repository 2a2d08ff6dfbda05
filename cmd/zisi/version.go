package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// versionInfo is what `zisi version` reports, read from the binary's
// build information (runtime/debug.ReadBuildInfo).
type versionInfo struct {
	// Version is the release, without a leading v, or "dev".
	Version string `json:"version"`
	// Commit is the full revision the binary was built from, when known.
	Commit string `json:"commit,omitempty"`
	// Modified is true when the checkout had uncommitted changes.
	Modified bool `json:"modified"`
	// CommitTime is the commit's time (RFC 3339), when known.
	CommitTime string `json:"commitTime,omitempty"`
	// Go is the toolchain that built the binary.
	Go string `json:"go"`
	// OS and Arch are the platform the binary is for.
	OS   string `json:"os"`
	Arch string `json:"arch"`
}

// stamp is what make and internal/release record with -X main.NAME=...
// (see main.go): the version, and the commit as git itself reports it.
type stamp struct {
	version, commit, modified, commitTime string
}

// newVersionInfo reads bi (nil when the binary has none), falling back to
// ld, the -X values, for the version.
//
// `go install module@v1.2.3` records v1.2.3 as the main module's version,
// with no VCS settings, and a build in a tagged checkout records the tag;
// either is used. `go install module@COMMIT` records a pseudo-version,
// which is used too, its revision as the commit. A build in an untagged
// checkout also records a pseudo-version, but it only restates the commit
// from vcs.revision, so the version is the -X one (make build: the tag at
// HEAD, else dev).
//
// The commit stamped with -X wins over vcs.revision: go build does not
// recognise a linked git worktree (its .git is a file), so there it
// records no revision, or the revision of an enclosing checkout
// (golang/go#58218), while git rev-parse names the right one.
func newVersionInfo(bi *debug.BuildInfo, ld stamp) versionInfo {
	v := versionInfo{Version: ld.version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if v.Version == "" {
		v.Version = "dev"
	}
	if bi != nil {
		readBuildInfo(&v, bi)
	}
	if ld.commit != "" {
		v.Commit, v.Modified, v.CommitTime = ld.commit, ld.modified == "true", ld.commitTime
	}
	return v
}

// readBuildInfo fills v from bi: the toolchain, the platform, the VCS
// settings and the version, as newVersionInfo describes.
func readBuildInfo(v *versionInfo, bi *debug.BuildInfo) {
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "vcs.time":
			v.CommitTime = s.Value
		case "GOOS":
			v.OS = s.Value
		case "GOARCH":
			v.Arch = s.Value
		}
	}
	mv := strings.TrimSuffix(bi.Main.Version, "+dirty")
	switch {
	case !semver.IsValid(mv):
		// "(devel)" or empty: a build without module version information.
	case !module.IsPseudoVersion(mv):
		v.Version = strings.TrimPrefix(mv, "v")
	case v.Commit == "":
		// go install module@COMMIT: no checkout, so no VCS settings.
		v.Version = strings.TrimPrefix(mv, "v")
		if rev, err := module.PseudoVersionRev(mv); err == nil {
			v.Commit = rev
		}
	}
}

// String formats v as `zisi version` prints it:
// "zisi 1.2.3 (commit abc1234, go1.26.8, linux/amd64)", the commit
// shortened to 7 characters and suffixed -dirty for a modified checkout,
// and left out when unknown.
func (v versionInfo) String() string {
	var parts []string
	if v.Commit != "" {
		c := v.Commit[:min(7, len(v.Commit))]
		if v.Modified {
			c += "-dirty"
		}
		parts = append(parts, "commit "+c)
	}
	parts = append(parts, v.Go, v.OS+"/"+v.Arch)
	return fmt.Sprintf("zisi %s (%s)", v.Version, strings.Join(parts, ", "))
}

// currentVersion describes the running binary.
func currentVersion() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return newVersionInfo(bi, stamp{version, commit, modified, commitTime})
}

func init() {
	// `zisi --version` prints the same line as `zisi version`; the app's
	// Version holds it without the leading "zisi ".
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "zisi %s\n", c.App.Version)
	}
}

func (e *env) versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, commit, Go version and platform of this zisi",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: `print {"version", "commit", "modified", "commitTime", "go", "os", "arch"} as JSON`},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version takes no arguments, got %q", c.Args().First())
			}
			v := currentVersion()
			if !c.Bool("json") {
				fmt.Fprintln(e.stdout, v)
				return nil
			}
			data, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				return fmt.Errorf("version: encode JSON: %w", err)
			}
			fmt.Fprintf(e.stdout, "%s\n", data)
			return nil
		},
	}
}
