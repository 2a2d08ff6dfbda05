package bundler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/archive"
)

// warnShare is the share of a limit from which an archive gets a warning.
const warnShare = 0.8

func limitsFor(cfg config.FunctionConfig) archive.Limits {
	return archive.Limits{
		Zipped:   int64(cmp.Or(cfg.ZipSizeLimit, config.DefaultZipSizeLimit)) << 20,
		Unzipped: int64(cmp.Or(cfg.UnzippedSizeLimit, config.DefaultUnzippedSizeLimit)) << 20,
	}
}

// writeArchive writes a function's entries as a zip or a directory within
// its size limits, sets res.Size, and warns when the archive comes near a
// limit. Over a limit the error lists what takes the space.
func (b *builder) writeArchive(ctx context.Context, res *FunctionResult, entries []archive.Entry, dir bool) error {
	lim := limitsFor(res.Config)
	for _, e := range entries {
		switch {
		case e.Path == "":
		case e.Trusted:
			res.trusted = append(res.trusted, e.Path)
		default:
			res.sources = append(res.sources, e.Path)
		}
	}
	var st archive.Stats
	var err error
	if dir {
		st, err = archive.WriteDirLimited(ctx, res.Path, entries, lim)
	} else {
		st, err = archive.WriteZipLimited(ctx, res.Path, entries, b.comp, lim)
		res.Size = st.Zipped
	}
	if se := (*archive.SizeError)(nil); errors.As(err, &se) {
		se.Dest = b.published(se.Dest) // the staging folder is gone when users read this
		return fmt.Errorf("%w; %s; cut it down (external_node_modules, ignored_node_modules, fewer included_files) or raise %s in netlify.toml",
			se, largest(st), limitKey(se.Zipped))
	}
	if err != nil {
		return err
	}
	for _, c := range []struct {
		size, limit int64
		zipped      bool
	}{{st.Zipped, lim.Zipped, true}, {st.Unzipped, lim.Unzipped, false}} {
		if c.limit > 0 && float64(c.size) > warnShare*float64(c.limit) {
			what := "unzipped"
			if c.zipped {
				what = "zipped"
			}
			res.warns = append(res.warns, Warning{Function: res.Name, Path: res.Path, Message: fmt.Sprintf(
				"archive is %s %s, %.0f%% of the %s limit (%s); %s",
				archive.FormatSize(c.size), what, 100*float64(c.size)/float64(c.limit), archive.FormatSize(c.limit), limitKey(c.zipped), largest(st))})
		}
	}
	return nil
}

func limitKey(zipped bool) string {
	if zipped {
		return "zip_size_limit"
	}
	return "unzipped_size_limit"
}

// largest names the biggest packages and files of an archive, unzipped,
// so a user knows what to cut.
func largest(st archive.Stats) string {
	const top = 5
	pkgs := map[string]int64{}
	for _, e := range st.Entries {
		if p := packageOf(e.Name); p != "" {
			pkgs[p] += e.Size
		}
	}
	var pk []archive.EntrySize
	for name, size := range pkgs {
		pk = append(pk, archive.EntrySize{Name: name, Size: size})
	}
	archive.SortLargestFirst(pk)
	var parts []string
	if len(pk) > 0 {
		parts = append(parts, "largest packages: "+sizes(pk[:min(top, len(pk))]))
	}
	files := slices.Clone(st.Entries)
	archive.SortLargestFirst(files)
	parts = append(parts, "largest files: "+sizes(files[:min(top, len(files))]))
	return strings.Join(parts, "; ")
}

func sizes(list []archive.EntrySize) string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = fmt.Sprintf("%s (%s)", e.Name, archive.FormatSize(e.Size))
	}
	return strings.Join(out, ", ")
}

// packageOf returns the package an archive entry belongs to (the name after
// its last node_modules folder, with its scope), or "".
func packageOf(name string) string {
	i := strings.LastIndex("/"+name, "/node_modules/")
	if i < 0 {
		return ""
	}
	parts := strings.SplitN(name[i+len("node_modules/"):], "/", 3)
	if len(parts) >= 2 && strings.HasPrefix(parts[0], "@") {
		return parts[0] + "/" + parts[1]
	}
	if len(parts) >= 2 {
		return parts[0]
	}
	return ""
}

// checkPrebuiltZip validates a prebuilt archive (validatePrebuiltZip) and
// holds it to the same size limits as zisi's own, counting the bytes it
// really decompresses to.
func checkPrebuiltZip(ctx context.Context, path string, cfg config.FunctionConfig) error {
	lim := limitsFor(cfg)
	st, err := validatePrebuiltZip(ctx, path, lim)
	var se *archive.SizeError
	if !errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("%w; %s; rebuild it smaller or raise %s in netlify.toml", se, largest(st), limitKey(se.Zipped))
}
