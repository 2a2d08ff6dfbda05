package routes

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zisi-build/zisi/manifest"
)

// jsOnlySyntax matches regexp syntax JavaScript accepts and RE2 does not.
var jsOnlySyntax = regexp.MustCompile(`\(\?[=!<]|\\[1-9]|\\k<`)

// ErrInvalidPath classifies a path that cannot be a route.
var ErrInvalidPath = errors.New("invalid path")

// IsLiteral reports whether a path needs no regular expression: no
// segment contains *, {, [ or ( or starts with ':'.
func IsLiteral(path string) bool {
	for _, part := range strings.Split(path, "/") {
		if strings.ContainsAny(part, "*{[(") || strings.HasPrefix(part, ":") {
			return false
		}
	}
	return true
}

// Route converts one path declaration.
func Route(path string) (manifest.Route, error) {
	if !strings.HasPrefix(path, "/") {
		return manifest.Route{}, fmt.Errorf("%w: 'path' property must start with a '/'", ErrInvalidPath)
	}
	if IsLiteral(path) {
		return manifest.Route{Pattern: path, Literal: path}, nil
	}
	re, err := PathnameRegexp(path)
	expression := "^" + re + `\/?$`
	if err == nil {
		// URLPattern compiles the result, so a bad group such as (*) is
		// invalid. Go's RE2 lacks some JavaScript syntax (lookarounds,
		// backreferences); such expressions are passed through unchecked.
		if _, cerr := regexp.Compile(expression); cerr != nil && !jsOnlySyntax.MatchString(expression) {
			err = cerr
		}
	}
	if err != nil {
		return manifest.Route{}, fmt.Errorf("%w: '%s' is not a valid path according to the URLPattern specification", ErrInvalidPath, path)
	}
	return manifest.Route{Pattern: path, Expression: expression}, nil
}

// Routes converts a path list, dropping duplicates and keeping order.
func Routes(paths []string) ([]manifest.Route, error) {
	var out []manifest.Route
	var seen []string
	for _, p := range paths {
		if slices.Contains(seen, p) {
			continue
		}
		seen = append(seen, p)
		r, err := Route(p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

type tokenType int

const (
	tOpen tokenType = iota
	tClose
	tRegexp
	tName
	tChar
	tEscaped
	tModifier
	tAsterisk
	tEnd
)

type token struct {
	typ   tokenType
	value string
}

var errPattern = errors.New("invalid pattern")

func isNameStart(r rune) bool {
	return r == '$' || r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func isNamePart(r rune) bool {
	return isNameStart(r) || r == '\u200c' || r == '\u200d' || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc)
}

// tokenize is the standard's tokenizer in strict mode.
func tokenize(in string) ([]token, error) {
	var toks []token
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRuneInString(in[i:])
		switch r {
		case '*':
			toks = append(toks, token{tAsterisk, "*"})
			i += size
		case '+', '?':
			toks = append(toks, token{tModifier, string(r)})
			i += size
		case '\\':
			if i+size >= len(in) {
				return nil, errPattern
			}
			r2, s2 := utf8.DecodeRuneInString(in[i+size:])
			toks = append(toks, token{tEscaped, string(r2)})
			i += size + s2
		case '{':
			toks = append(toks, token{tOpen, "{"})
			i += size
		case '}':
			toks = append(toks, token{tClose, "}"})
			i += size
		case ':':
			j := i + size
			for j < len(in) {
				c, cs := utf8.DecodeRuneInString(in[j:])
				if (j == i+size && !isNameStart(c)) || (j > i+size && !isNamePart(c)) {
					break
				}
				j += cs
			}
			if j == i+size {
				return nil, errPattern
			}
			toks = append(toks, token{tName, in[i+size : j]})
			i = j
		case '(':
			value, next, err := regexpToken(in, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tRegexp, value})
			i = next
		default:
			toks = append(toks, token{tChar, string(r)})
			i += size
		}
	}
	return append(toks, token{tEnd, ""}), nil
}

// regexpToken reads a balanced `( … )` group starting at in[start].
func regexpToken(in string, start int) (string, int, error) {
	depth := 1
	j := start + 1
	var b strings.Builder
	if j < len(in) && in[j] == '?' {
		return "", 0, errPattern // capturing-group syntax like (?<x>) is not allowed
	}
	for j < len(in) {
		c, cs := utf8.DecodeRuneInString(in[j:])
		if c > unicode.MaxASCII {
			return "", 0, errPattern
		}
		switch c {
		case '\\':
			if j+1 >= len(in) {
				return "", 0, errPattern
			}
			b.WriteString(in[j : j+2])
			j += 2
			continue
		case ')':
			depth--
			if depth == 0 {
				if b.Len() == 0 {
					return "", 0, errPattern
				}
				return b.String(), j + 1, nil
			}
		case '(':
			depth++
			if j+1 >= len(in) || in[j+1] != '?' {
				return "", 0, errPattern // nested groups must be non-capturing
			}
		}
		b.WriteRune(c)
		j += cs
	}
	return "", 0, errPattern
}

type modifier string

type partType int

const (
	pFixed partType = iota
	pRegexp
	pSegmentWildcard
	pFullWildcard
)

type part struct {
	typ      partType
	value    string
	modifier modifier
	prefix   string
	suffix   string
}

// segmentWildcard is the regexp of a `:name` in a pathname.
const segmentWildcard = `[^\/]+?`

// parse is the standard's "parse a pattern string" with the pathname's
// options: delimiter and prefix "/", pathname percent-encoding.
func parse(in string) ([]part, error) {
	toks, err := tokenize(in)
	if err != nil {
		return nil, err
	}
	var parts []part
	pending := ""
	i := 0
	try := func(t tokenType) *token {
		if toks[i].typ == t {
			i++
			return &toks[i-1]
		}
		return nil
	}
	// An asterisk is a wildcard only without a name; after one it is a
	// modifier ("try to consume a regexp or wildcard token").
	tryRegexpOrWildcard := func(name *token) *token {
		if t := try(tRegexp); t != nil || name != nil {
			return t
		}
		return try(tAsterisk)
	}
	tryModifier := func() *token {
		if t := try(tModifier); t != nil {
			return t
		}
		return try(tAsterisk)
	}
	flush := func() {
		if pending != "" {
			parts = append(parts, part{typ: pFixed, value: encode(pending)})
			pending = ""
		}
	}
	consumeText := func() string {
		var b strings.Builder
		for {
			t := try(tChar)
			if t == nil {
				t = try(tEscaped)
			}
			if t == nil {
				return b.String()
			}
			b.WriteString(t.value)
		}
	}
	addPart := func(prefix string, name, re *token, suffix string, mod *token) error {
		m := modifier("")
		if mod != nil {
			m = modifier(mod.value)
		}
		if name == nil && re == nil && m == "" {
			pending += prefix
			return nil
		}
		flush()
		if name == nil && re == nil {
			if prefix != "" {
				parts = append(parts, part{typ: pFixed, value: encode(prefix), modifier: m})
			}
			return nil
		}
		value := segmentWildcard
		switch {
		case re == nil:
		case re.typ == tAsterisk, re.value == "*":
			// urlpattern-polyfill reads a "(*)" group as a full wildcard too.
			value = ".*"
		default:
			value = re.value
		}
		typ := pRegexp
		switch value {
		case segmentWildcard:
			typ = pSegmentWildcard
		case ".*":
			typ = pFullWildcard
		}
		parts = append(parts, part{typ: typ, value: value, modifier: m, prefix: encode(prefix), suffix: encode(suffix)})
		return nil
	}
	for toks[i].typ != tEnd {
		char := try(tChar)
		name := try(tName)
		re := tryRegexpOrWildcard(name)
		if name != nil || re != nil {
			prefix := ""
			if char != nil {
				prefix = char.value
			}
			if prefix != "" && prefix != "/" {
				pending += prefix
				prefix = ""
			}
			flush()
			if err := addPart(prefix, name, re, "", tryModifier()); err != nil {
				return nil, err
			}
			continue
		}
		fixed := char
		if fixed == nil {
			fixed = try(tEscaped)
		}
		if fixed != nil {
			pending += fixed.value
			continue
		}
		if try(tOpen) != nil {
			prefix := consumeText()
			name := try(tName)
			re := tryRegexpOrWildcard(name)
			suffix := consumeText()
			if try(tClose) == nil {
				return nil, errPattern
			}
			if err := addPart(prefix, name, re, suffix, tryModifier()); err != nil {
				return nil, err
			}
			continue
		}
		flush()
		if toks[i].typ != tEnd {
			return nil, errPattern
		}
	}
	flush()
	return parts, nil
}

// PathnameRegexp returns the regular expression (without ^ and $) that
// URLPattern generates for a pathname pattern.
func PathnameRegexp(pattern string) (string, error) {
	parts, err := parse(pattern)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.typ == pFixed {
			if p.modifier == "" {
				b.WriteString(escape(p.value))
			} else {
				b.WriteString("(?:" + escape(p.value) + ")" + string(p.modifier))
			}
			continue
		}
		if p.prefix == "" && p.suffix == "" {
			if p.modifier == "" || p.modifier == "?" {
				b.WriteString("(" + p.value + ")" + string(p.modifier))
			} else {
				b.WriteString("((?:" + p.value + ")" + string(p.modifier) + ")")
			}
			continue
		}
		if p.modifier == "" || p.modifier == "?" {
			b.WriteString("(?:" + escape(p.prefix) + "(" + p.value + ")" + escape(p.suffix) + ")" + string(p.modifier))
			continue
		}
		b.WriteString("(?:" + escape(p.prefix) + "((?:" + p.value + ")(?:" + escape(p.suffix) + escape(p.prefix) + "(?:" + p.value + "))*)" + escape(p.suffix) + ")")
		if p.modifier == "*" {
			b.WriteString("?")
		}
	}
	return b.String(), nil
}

// escape is the standard's "escape a regexp string".
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`.+*?^${}()[]|/\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// encode percent-encodes a pathname part as URL parsing does (the path
// percent-encode set, UTF-8, upper-case hex).
func encode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("\"#<>?`{}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
