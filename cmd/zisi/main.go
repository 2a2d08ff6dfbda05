// Command zisi turns a folder of serverless functions into deployable
// archives and a manifest.json, like Netlify's zip-it-and-ship-it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
