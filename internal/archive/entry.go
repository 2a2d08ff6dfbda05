package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entry is one file to store.
type Entry struct {
	// Name is the slash-separated path inside the archive.
	Name string
	// Path is the file on disk whose content is stored; empty for
	// generated entries, which use Data.
	Path string
	// Data is the content of a generated entry.
	Data []byte
	// Executable forces mode 0755. Entries read from disk are also
	// executable when the file has any execute bit.
	Executable bool
	// Trusted exempts zisi's own files (the v2 bootstrap from the
	// per-user cache) from the containment check.
	Trusted bool
}

// ErrInvalidName is returned for an entry name that could escape the
// archive root or is not portable.
var ErrInvalidName = errors.New("invalid archive entry name")

// ErrDuplicateName is returned when two different sources claim the same
// entry name.
var ErrDuplicateName = errors.New("duplicate archive entry name")

// ValidateName checks that name is a clean, relative, slash-separated path
// that stays inside the archive root.
func ValidateName(name string) error {
	if plainName(name) {
		return nil
	}
	return checkName(name)
}

// checkName is ValidateName's checks one by one, which name the fault.
func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrInvalidName, name, why) }
	switch {
	case name == "":
		return bad("empty")
	case strings.ContainsRune(name, 0):
		return bad("contains NUL")
	case strings.Contains(name, `\`):
		return bad("contains a backslash")
	case strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':'):
		return bad("absolute")
	case strings.HasSuffix(name, "/"):
		return bad("ends with a slash")
	}
	clean, dots := segments(name)
	switch {
	case !clean:
		return bad("not a clean path")
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8, which zip names (flagged UTF-8) and the manifest need; rename the file")
	case dots:
		return bad("contains a dot segment")
	}
	return nil
}

// plainName reports, in one pass over name, that ValidateName accepts
// it for the usual reasons: ASCII without NUL or backslash, relative, no
// empty segment and none starting with a dot, no drive letter. Every
// entry of every archive is validated, and the checks one by one read
// each name six times. false means only that the full checks decide.
func plainName(name string) bool {
	if name == "" {
		return false
	}
	prev := byte('/') // as if after a separator: no leading slash
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= utf8.RuneSelf || c == 0 || c == '\\':
			return false
		case c == '/' || c == '.':
			if prev == '/' {
				return false // an empty segment, or one starting with a dot
			}
		case c == ':' && i == 1:
			return false
		}
		prev = c
	}
	return prev != '/'
}

// segments reads the relative slash path name once: clean is whether
// path.Clean leaves it as it is (no empty or "." segment, bar "." itself,
// and ".." only before every other segment), dots whether a clean name
// still has a "." or ".." segment.
func segments(name string) (clean, dots bool) {
	other := false // a segment other than ".." came
	for rest := name; ; {
		seg, after, more := strings.Cut(rest, "/")
		switch seg {
		case "":
			return false, false
		case ".":
			if name != "." {
				return false, false
			}
			dots = true
		case "..":
			if other {
				return false, false
			}
			dots = true
		default:
			other = true
		}
		if !more {
			return true, dots
		}
		rest = after
	}
}

// normalize validates, sorts and de-duplicates entries. Two entries with the
// same name are fine when they name the same source; otherwise it is an
// error.
func normalize(entries []Entry) ([]Entry, error) {
	out := slices.Clone(entries)
	for _, e := range out {
		if err := ValidateName(e.Name); err != nil {
			if e.Path != "" {
				return nil, fmt.Errorf("%w (the file %q)", err, e.Path)
			}
			return nil, err
		}
	}
	byName := func(a, b Entry) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(out, byName) { // layouts come sorted
		slices.SortStableFunc(out, byName)
	}
	j := 0
	for i := range out {
		if j > 0 && out[j-1].Name == out[i].Name {
			prev := out[j-1]
			if prev.Path != out[i].Path || string(prev.Data) != string(out[i].Data) {
				return nil, fmt.Errorf("%w %q: from %s and %s", ErrDuplicateName, out[i].Name, describe(prev), describe(out[i]))
			}
			continue
		}
		out[j] = out[i]
		j++
	}
	return out[:j], nil
}

func describe(e Entry) string {
	if e.Path != "" {
		return fmt.Sprintf("%q", e.Path)
	}
	return "generated content"
}

// fileMode is the normalised mode of a stored file.
func fileMode(executable bool) fs.FileMode {
	if executable {
		return 0o755
	}
	return 0o644
}
