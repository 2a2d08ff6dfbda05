package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/internal/archive"
)

func (e *env) cacheCommand() *cli.Command {
	return &cli.Command{
		Name:      "cache",
		Usage:     "show or empty the build cache",
		ArgsUsage: "stats|clean",
		Description: "zisi build keeps each function it builds in a content-addressed cache and restores it, byte for byte,\n" +
			"when the function's configuration and every file its build read are unchanged (see README, \"Build cache\").\n" +
			"  stats  where the cache is, what it holds and its bound\n" +
			"  clean  remove everything it holds (the next build is a cold one)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cache-dir", Usage: "per-user cache folder, as for zisi build (default: $ZISI_CACHE_DIR, else the user cache folder's zisi/)"},
			&cli.StringFlag{Name: "cache-max-size", Usage: "bound to report, as for zisi build (default 2GiB)"},
			&cli.BoolFlag{Name: "json", Usage: "print stats as JSON on stdout"},
		},
		Action: e.cache,
	}
}

func (e *env) cache(c *cli.Context) error {
	if c.NArg() != 1 || (c.Args().First() != "stats" && c.Args().First() != "clean") {
		return usagef("cache needs one of stats, clean: zisi cache stats|clean")
	}
	maxSize, err := parseSize(c.String("cache-max-size"))
	if err != nil {
		return usagef("--cache-max-size: %v", err)
	}
	o := bundler.Options{CacheDir: c.String("cache-dir"), CacheMaxSize: maxSize}
	if c.Args().First() == "clean" {
		dir, err := bundler.CleanCache(o)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "emptied the build cache %s\n", dir)
		return nil
	}
	info, err := bundler.ReadCache(o)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return e.printJSON(info)
	}
	fmt.Fprintf(e.stdout, "build cache: %s\n", info.Dir)
	fmt.Fprintf(e.stdout, "  %d archives, %d records: %s of %s\n", info.Blobs, info.Records, archive.FormatSize(info.Bytes), archive.FormatSize(info.MaxBytes))
	if !info.Newest.IsZero() {
		fmt.Fprintf(e.stdout, "  last used %s; least recently used %s\n", info.Newest.Format(time.RFC3339), info.Oldest.Format(time.RFC3339))
	}
	return nil
}

// parseSize reads a size like 500MB, 2GiB or 1048576 (bytes); "" is 0,
// the default.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a size; write it like 500MB, 2GiB or a number of bytes", s)
	}
	return int64(v * mult), nil
}
