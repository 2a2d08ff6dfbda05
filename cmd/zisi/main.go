// Command zisi turns a folder of serverless functions into deployable
// archives and a manifest.json, like Netlify's zip-it-and-ship-it.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"runtime/trace"
	"syscall"
)

// version, commit, modified and commitTime are set by make build, make
// install and make dist with -ldflags "-X main.version=... -X
// main.commit=...": the release version, and the commit as git reports it
// (git rev-parse HEAD; "true" when git status lists changes; the commit
// time in RFC 3339, UTC). `zisi version` prefers the module version in the
// build information when there is one (see newVersionInfo).
var (
	version    = "dev"
	commit     string
	modified   string
	commitTime string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	tuneGC(ctx, os.Getenv) // leaves the limit alone once the command is done
	// ZISI_CPUPROFILE=FILE records a CPU profile, for go tool pprof.
	if path := os.Getenv("ZISI_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// ZISI_TRACE=FILE records an execution trace (go tool trace): which
	// goroutines ran on which core, and where cores sat idle.
	if path := os.Getenv("ZISI_TRACE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if trace.Start(f) == nil {
				defer trace.Stop()
			}
		}
	}
	// ZISI_MEMPROFILE=FILE records where the run allocated (every
	// allocation sampled at the runtime's default rate), for
	// go tool pprof -sample_index=alloc_space.
	memProfile := os.Getenv("ZISI_MEMPROFILE")
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	trace.Stop()
	if memProfile != "" {
		if f, err := os.Create(memProfile); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	os.Exit(code)
}
