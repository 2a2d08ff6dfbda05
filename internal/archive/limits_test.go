package archive

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A *SizeError lists the archive's entries largest first, as its Stats
// always did: library callers (bundler.SizeError) show its first entries
// as what takes the space. Both limits, and a directory output.
func TestSizeErrorListsLargestFirst(t *testing.T) {
	dir := t.TempDir()
	small := write(t, filepath.Join(dir, "a-small.txt"), "x", 0o644)
	big := write(t, filepath.Join(dir, "b-big.txt"), strings.Repeat("random-ish 1234567890 ", 400), 0o644)
	entries := []Entry{{Name: "a-small.txt", Path: small}, {Name: "b-big.txt", Path: big}, {Name: "c-mid.txt", Data: []byte("0123456789")}}
	want := []string{"b-big.txt", "c-mid.txt", "a-small.txt"}
	check := func(what string, st Stats, err error) {
		t.Helper()
		var se *SizeError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v, want a *SizeError", what, err)
		}
		var got []string
		for _, e := range se.Stats.Entries {
			got = append(got, e.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: SizeError entries %q, want %q (largest first)", what, got, want)
		}
		if len(st.Entries) == 0 || st.Entries[0].Name != want[0] {
			t.Errorf("%s: returned stats %+v, want largest first", what, st.Entries)
		}
	}
	st, err := WriteZipLimited(t.Context(), filepath.Join(dir, "u.zip"), entries, nil, Limits{Unzipped: 100})
	check("unzipped limit", st, err)
	st, err = WriteZipLimited(t.Context(), filepath.Join(dir, "z.zip"), entries, nil, Limits{Zipped: 50})
	check("zipped limit", st, err)
	st, err = WriteDirLimited(t.Context(), filepath.Join(dir, "out"), entries, Limits{Unzipped: 100})
	check("directory", st, err)
}
