// Command dist builds zisi's release archives: `make dist` runs it. For
// each target it cross-compiles zisi with the release flags and packs the
// binary with README.md, CHANGELOG.md and LICENSE (when present) into
// dist/zisi_VERSION_OS_ARCH.tar.gz (.zip for windows), then writes
// dist/SHA256SUMS. Two runs on the same tree give byte-identical files;
// see package internal/release.
//
//	go run ./internal/tools/dist -version 1.2.3 [-out dist] [-targets linux/amd64,...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/zisi-build/zisi/internal/release"
)

func main() {
	version := flag.String("version", "", "release version, such as 1.2.3 (required)")
	out := flag.String("out", "dist", "folder to write the archives and SHA256SUMS to")
	targets := flag.String("targets", "all", "comma-separated GOOS/GOARCH pairs, or all")
	flag.Parse()
	if *version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: dist -version VERSION [-out DIR] [-targets LIST]")
		os.Exit(2)
	}
	ts, err := release.ParseTargets(*targets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dist: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	files, err := release.Dist(ctx, release.Options{Dir: ".", Env: os.Environ(), Version: *version, Out: *out, Targets: ts})
	for _, f := range files {
		fmt.Println(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dist: %v\n", err)
		stop()
		os.Exit(1)
	}
}
