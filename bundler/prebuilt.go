package bundler

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"strings"

	"github.com/zisi-build/zisi/internal/archive"
)

// ErrBadPrebuiltZip classifies a prebuilt .zip function that zisi will
// not copy into a deploy; match with errors.Is.
var ErrBadPrebuiltZip = errors.New("invalid prebuilt zip")

// maxLinkTarget bounds the size of a symlink entry's target.
const maxLinkTarget = 4096

// validatePrebuiltZip checks a prebuilt archive as strictly as zisi's own:
// every entry name passes archive.ValidateName (no "..", absolute path,
// drive letter, backslash or NUL), no name appears twice, nothing is
// encrypted or compressed with a method other than store and deflate,
// symbolic links point inside the archive, and every entry decompresses
// to exactly its declared size and CRC. Sizes are the bytes actually
// decompressed, never the headers' word, and decompression stops at the
// unzipped limit, so a zip bomb costs at most that much work.
func validatePrebuiltZip(ctx context.Context, p string, lim archive.Limits) (archive.Stats, error) {
	var st archive.Stats
	bad := func(entry, why string) error {
		return fmt.Errorf("%w %q: entry %q %s; rebuild the archive (zisi builds a function folder itself)", ErrBadPrebuiltZip, p, entry, why)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return st, fmt.Errorf("read %q: %w", p, err)
	}
	st.Zipped = fi.Size()
	zr, err := zip.OpenReader(p)
	if err != nil {
		return st, fmt.Errorf("%w %q: %w; replace it with a valid zip archive", ErrBadPrebuiltZip, p, err)
	}
	defer zr.Close()
	names := make(map[string]bool, len(zr.File))
	dirs := map[string]bool{}
	for _, f := range zr.File {
		name := f.Name
		isDir := strings.HasSuffix(name, "/") || f.Mode().IsDir()
		clean := strings.TrimSuffix(name, "/")
		if err := archive.ValidateName(clean); err != nil {
			return st, bad(name, "has a name that would land outside the function ("+err.Error()+")")
		}
		if names[clean] {
			return st, bad(name, "appears twice")
		}
		names[clean] = true
		if isDir {
			dirs[clean] = true
			continue
		}
		if f.Flags&0x1 != 0 {
			return st, bad(name, "is encrypted")
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return st, bad(name, fmt.Sprintf("uses compression method %d (only store and deflate load on the platform)", f.Method))
		}
	}
	// A file may not also be a folder of other entries ("a" and "a/b").
	for name := range names {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if names[d] && !dirs[d] {
				return st, bad(name, fmt.Sprintf("lies below %q, which is a file", d))
			}
		}
	}
	budget := lim.Unzipped
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if strings.HasSuffix(f.Name, "/") || f.Mode().IsDir() {
			continue
		}
		n, err := readEntry(f, budget)
		if err != nil {
			return st, bad(f.Name, err.Error())
		}
		if n > budget {
			// Over the limit: decompression stopped, so the message
			// quotes the size the entry declares when that is larger.
			n = max(n, int64(min(f.UncompressedSize64, math.MaxInt64/2)))
		}
		st.Unzipped += n
		st.Entries = append(st.Entries, archive.EntrySize{Name: f.Name, Size: n})
		if n > budget {
			archive.SortLargestFirst(st.Entries)
			return st, &archive.SizeError{Dest: p, Stats: st, Limits: lim}
		}
		budget -= n
		if f.Mode()&fs.ModeSymlink != 0 {
			if err := checkLinkEntry(f); err != nil {
				return st, bad(f.Name, err.Error())
			}
		}
	}
	archive.SortLargestFirst(st.Entries)
	if st.Zipped > lim.Zipped {
		return st, &archive.SizeError{Dest: p, Stats: st, Limits: lim, Zipped: true}
	}
	return st, nil
}

// readEntry decompresses one entry and returns how many bytes it holds,
// at most budget+1: past the budget it stops. archive/zip checks the CRC
// and that the entry is exactly its declared size when it reaches the end.
func readEntry(f *zip.File, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("cannot be read (%w)", err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(rc, budget+1))
	switch {
	case n > budget:
		return n, nil
	case errors.Is(err, zip.ErrChecksum):
		return n, errors.New("is corrupt (its CRC does not match)")
	case err != nil:
		return n, fmt.Errorf("is corrupt (%w)", err)
	}
	return n, nil
}

// checkLinkEntry refuses a symlink entry whose target is absolute or
// leaves the archive.
func checkLinkEntry(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cannot be read (%w)", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return fmt.Errorf("is corrupt (%w)", err)
	}
	target := string(data)
	if len(data) > maxLinkTarget || target == "" {
		return errors.New("is a symbolic link with an invalid target")
	}
	if strings.HasPrefix(target, "/") || strings.Contains(target, `\`) || (len(target) > 1 && target[1] == ':') {
		return fmt.Errorf("is a symbolic link to %q, outside the archive", target)
	}
	joined := path.Join(path.Dir(f.Name), target)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return fmt.Errorf("is a symbolic link to %q, outside the archive", target)
	}
	return nil
}
