package archive

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// Limits bound what one archive may hold; a zero field is no bound. The
// platform refuses functions over 50 MB zipped or 250 MB unzipped, so
// checking here turns a failed deploy into a build error that names what
// to cut.
type Limits struct {
	Zipped   int64
	Unzipped int64
}

// EntrySize is one entry's uncompressed size.
type EntrySize struct {
	Name string
	Size int64
}

// Stats describes an archive's content.
type Stats struct {
	// Zipped is the archive file's size; 0 for directory output.
	Zipped int64
	// Unzipped is the sum of the entries' sizes.
	Unzipped int64
	// Entries lists every entry: in the archive's order for an archive
	// written, largest first (then by name) in a *SizeError and in the
	// Stats returned with one (only reports of what takes the space need
	// the order, and sorting every archive's cost more than writing its
	// headers).
	Entries []EntrySize
}

// ErrTooLarge is matched by *SizeError.
var ErrTooLarge = errors.New("archive too large")

// SizeError is an archive over one of its Limits. The archive was not
// written (nor was anything at its destination replaced).
type SizeError struct {
	Dest   string
	Stats  Stats
	Limits Limits
	// Zipped tells which limit was passed: the zipped one, else the
	// unzipped one.
	Zipped bool
}

func (e *SizeError) Error() string {
	if e.Zipped {
		return fmt.Sprintf("archive %q would be %s zipped, over the %s limit", e.Dest, FormatSize(e.Stats.Zipped), FormatSize(e.Limits.Zipped))
	}
	return fmt.Sprintf("archive %q would hold %s unzipped, over the %s limit", e.Dest, FormatSize(e.Stats.Unzipped), FormatSize(e.Limits.Unzipped))
}

// Is makes SizeError match ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// FormatSize writes n bytes in binary units with one decimal: MiB (2^20
// bytes, as the limits are counted), KiB below 1 MiB, bytes below 1 KiB.
// Every size zisi prints goes through it.
func FormatSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// itemStats sums the sizes stat reported for items.
func itemStats(items []item) Stats {
	s := Stats{Entries: make([]EntrySize, 0, len(items))}
	for _, it := range items {
		size := it.size
		if it.mode&fs.ModeSymlink != 0 {
			size = int64(len(it.link))
		}
		s.Unzipped += size
		s.Entries = append(s.Entries, EntrySize{Name: it.Name, Size: size})
	}
	return s
}

// SortLargestFirst orders sizes by decreasing size, then by name, so
// reports of what takes the space are deterministic.
func SortLargestFirst(list []EntrySize) {
	slices.SortFunc(list, func(a, b EntrySize) int { return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.Name, b.Name)) })
}

// checkUnzipped fails before anything is read or written when the files'
// sizes already pass the unzipped limit.
func checkUnzipped(dest string, s Stats, lim Limits) error {
	if lim.Unzipped > 0 && s.Unzipped > lim.Unzipped {
		return newSizeError(dest, s, lim, false)
	}
	return nil
}

// newSizeError is the *SizeError of an archive over a limit, its entries
// sorted largest first in place, so the Stats returned beside it list
// them so too.
func newSizeError(dest string, s Stats, lim Limits, zipped bool) *SizeError {
	SortLargestFirst(s.Entries)
	return &SizeError{Dest: dest, Stats: s, Limits: lim, Zipped: zipped}
}
