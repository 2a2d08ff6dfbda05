package config

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Match reports whether a function name matches a glob the way the
// reference's minimatch (default options) does: a pattern starting with '#'
// matches nothing, leading '!'s negate, braces expand, `*`, `?` and classes
// never match a leading '.', extglobs `@() ?() *() +() !()` are supported,
// and matching is case-sensitive.
func Match(pattern, name string) bool {
	if strings.HasPrefix(pattern, "#") {
		return false
	}
	negate := false
	for strings.HasPrefix(pattern, "!") {
		negate = !negate
		pattern = pattern[1:]
	}
	if pattern == "" {
		return (name == "") != negate
	}
	for _, p := range ExpandBraces(pattern) {
		if matchPath(p, name) {
			return !negate
		}
	}
	return negate
}

// matchPath matches slash-separated segments, `**` standing for any number
// of segments that do not start with a dot.
func matchPath(pattern, name string) bool {
	if name == "" {
		return pattern == "**"
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pats, segs []string) bool {
	for len(pats) > 0 {
		if pats[0] == "**" {
			for len(pats) > 1 && pats[1] == "**" {
				pats = pats[1:]
			}
			if len(pats) == 1 && len(segs) == 0 {
				return false // minimatch: "a/**" does not match "a"
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pats[1:], segs[i:]) {
					return true
				}
				if i < len(segs) && (strings.HasPrefix(segs[i], ".") || segs[i] == "") {
					return false
				}
			}
			return false
		}
		if len(segs) == 0 || !matchSegment(pats[0], segs[0]) {
			return false
		}
		pats, segs = pats[1:], segs[1:]
	}
	return len(segs) == 0
}

func matchSegment(pat, seg string) bool {
	nodes, magic := parseGlob(pat, 0)
	if !magic {
		return unescapeGlob(pat) == seg
	}
	// minimatch's dot guard: only a pattern that itself starts with a literal
	// '.' may match a name starting with '.'; "." and ".." never match magic.
	if strings.HasPrefix(seg, ".") {
		if len(nodes) == 0 || nodes[0].kind != nodeLiteral || !strings.HasPrefix(nodes[0].text, ".") {
			return false
		}
		if seg == "." || seg == ".." {
			return false
		}
	}
	if seg == "" {
		return false
	}
	return matchNodes(nodes, seg, func(rest string) bool { return rest == "" })
}

type nodeKind int

const (
	nodeLiteral nodeKind = iota
	nodeAny              // ?
	nodeStar             // *
	nodeClass            // [...]
	nodeExt              // @( ?( *( +( !(
)

type globNode struct {
	kind  nodeKind
	text  string // literal text
	class charClass
	op    byte
	alts  [][]globNode
}

type charClass struct {
	negated bool
	ranges  [][2]rune
	named   []string
}

// parseGlob turns one segment into nodes; magic reports whether anything
// other than literal text was found. depth bounds extglob nesting.
func parseGlob(p string, depth int) ([]globNode, bool) {
	var nodes []globNode
	magic := false
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			nodes = append(nodes, globNode{kind: nodeLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			_, size := utf8.DecodeRuneInString(p[i+1:])
			lit.WriteString(p[i+1 : i+1+size])
			i += 1 + size
			continue
		case strings.IndexByte("@?*+!", c) >= 0 && i+1 < len(p) && p[i+1] == '(' && depth < 16:
			if end, alts, ok := parseExtglob(p, i+1, depth); ok {
				flush()
				nodes = append(nodes, globNode{kind: nodeExt, op: c, alts: alts})
				magic = true
				i = end + 1
				continue
			}
		}
		switch c {
		case '*':
			flush()
			if len(nodes) == 0 || nodes[len(nodes)-1].kind != nodeStar {
				nodes = append(nodes, globNode{kind: nodeStar})
			}
			magic = true
			i++
		case '?':
			flush()
			nodes = append(nodes, globNode{kind: nodeAny})
			magic = true
			i++
		case '[':
			if cls, end, ok := parseClass(p, i); ok {
				flush()
				nodes = append(nodes, globNode{kind: nodeClass, class: cls})
				magic = true
				i = end + 1
				continue
			}
			lit.WriteByte(c)
			i++
		default:
			_, size := utf8.DecodeRuneInString(p[i:])
			lit.WriteString(p[i : i+size])
			i += size
		}
	}
	flush()
	return nodes, magic
}

// parseExtglob parses the parenthesised alternatives starting at p[open].
func parseExtglob(p string, open, depth int) (int, [][]globNode, bool) {
	level := 0
	start := open + 1
	var parts []string
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			if _, end, ok := parseClass(p, i); ok {
				i = end
			}
		case '(':
			level++
		case ')':
			level--
			if level == 0 {
				parts = append(parts, p[start:i])
				alts := make([][]globNode, len(parts))
				for k, part := range parts {
					alts[k], _ = parseGlob(part, depth+1)
				}
				return i, alts, true
			}
		case '|':
			if level == 1 {
				parts = append(parts, p[start:i])
				start = i + 1
			}
		}
	}
	return 0, nil, false
}

// posixClasses are minimatch's bracket classes, which use Unicode
// properties (\p{L} and so on) rather than ASCII ranges.
var posixClasses = map[string]func(rune) bool{
	"alnum":  func(r rune) bool { return unicode.In(r, unicode.L, unicode.Nl, unicode.Nd) },
	"alpha":  func(r rune) bool { return unicode.In(r, unicode.L, unicode.Nl) },
	"ascii":  func(r rune) bool { return r < 0x80 },
	"blank":  func(r rune) bool { return unicode.Is(unicode.Zs, r) || r == '\t' },
	"cntrl":  func(r rune) bool { return unicode.Is(unicode.Cc, r) },
	"digit":  func(r rune) bool { return unicode.Is(unicode.Nd, r) },
	"graph":  func(r rune) bool { return !unicode.In(r, unicode.Z, unicode.C) },
	"lower":  func(r rune) bool { return unicode.Is(unicode.Ll, r) },
	"print":  func(r rune) bool { return !unicode.In(r, unicode.C) },
	"punct":  func(r rune) bool { return unicode.In(r, unicode.P) },
	"space":  func(r rune) bool { return unicode.In(r, unicode.Z) || strings.ContainsRune("\t\r\n\v\f", r) },
	"upper":  func(r rune) bool { return unicode.Is(unicode.Lu, r) },
	"word":   func(r rune) bool { return unicode.In(r, unicode.L, unicode.Nl, unicode.Nd, unicode.Pc) },
	"xdigit": func(r rune) bool { return r >= '0' && r <= '9' || (r|0x20) >= 'a' && (r|0x20) <= 'f' },
}

// parseClass parses a bracket expression at p[open]; ok is false when it is
// not closed (then '[' is a literal, as in minimatch).
func parseClass(p string, open int) (charClass, int, bool) {
	var cls charClass
	i := open + 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		cls.negated = true
		i++
	}
	first := true
	for i < len(p) {
		c := p[i]
		if c == ']' && !first {
			return cls, i, true
		}
		first = false
		if c == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				name := p[i+2 : i+2+end]
				if _, known := posixClasses[name]; known {
					cls.named = append(cls.named, name)
					i += 2 + end + 2
					continue
				}
			}
		}
		if c == '\\' && i+1 < len(p) {
			i++
		}
		lo, size := utf8.DecodeRuneInString(p[i:])
		i += size
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			j := i + 1
			if p[j] == '\\' && j+1 < len(p) {
				j++
			}
			r, sz := utf8.DecodeRuneInString(p[j:])
			hi = r
			i = j + sz
		}
		if lo <= hi {
			cls.ranges = append(cls.ranges, [2]rune{lo, hi})
		}
	}
	return charClass{}, 0, false
}

func (c charClass) matches(r rune) bool {
	in := false
	for _, rg := range c.ranges {
		if r >= rg[0] && r <= rg[1] {
			in = true
			break
		}
	}
	for _, n := range c.named {
		if !in && posixClasses[n](r) {
			in = true
		}
	}
	return in != c.negated
}

// matchNodes matches nodes against a prefix of s and calls k with what is
// left; continuation passing keeps extglob alternation and repetition simple.
func matchNodes(nodes []globNode, s string, k func(string) bool) bool {
	if len(nodes) == 0 {
		return k(s)
	}
	n, rest := nodes[0], nodes[1:]
	switch n.kind {
	case nodeLiteral:
		return strings.HasPrefix(s, n.text) && matchNodes(rest, s[len(n.text):], k)
	case nodeAny:
		if s == "" || s[0] == '/' {
			return false
		}
		_, size := utf8.DecodeRuneInString(s)
		return matchNodes(rest, s[size:], k)
	case nodeClass:
		if s == "" {
			return false
		}
		r, size := utf8.DecodeRuneInString(s)
		return r != '/' && n.class.matches(r) && matchNodes(rest, s[size:], k)
	case nodeStar:
		for i := 0; i <= len(s); i++ {
			if i > 0 && s[i-1] == '/' {
				return false
			}
			if (i == len(s) || utf8.RuneStart(s[i])) && matchNodes(rest, s[i:], k) {
				return true
			}
		}
		return false
	default:
		return matchExt(n, rest, s, k)
	}
}

func matchExt(n globNode, rest []globNode, s string, k func(string) bool) bool {
	after := func(r string) bool { return matchNodes(rest, r, k) }
	one := func(s string, next func(string) bool) bool {
		for _, alt := range n.alts {
			if matchNodes(alt, s, next) {
				return true
			}
		}
		return false
	}
	switch n.op {
	case '@':
		return one(s, after)
	case '?':
		return after(s) || one(s, after)
	case '*', '+':
		// Every s seen here is a suffix of the same string and the
		// continuation is fixed, so rep's answer depends only on len(s)
		// and whether one repetition happened: memoizing it keeps
		// patterns like *(*)x polynomial instead of exponential in the
		// name's length.
		type key struct {
			n       int
			matched bool
		}
		memo := map[key]bool{}
		var rep func(s string, count int) bool
		rep = func(s string, count int) bool {
			k := key{len(s), count > 0}
			if v, ok := memo[k]; ok {
				return v
			}
			memo[k] = false // a repetition must shrink s, so no cycle can use this
			v := (count > 0 || n.op == '*') && after(s) ||
				one(s, func(r string) bool { return len(r) < len(s) && rep(r, count+1) })
			memo[k] = v
			return v
		}
		return rep(s, 0)
	default: // '!': minimatch's (?:(?!(?:alts)tail)[^/]*?)
		if one(s, after) {
			return false
		}
		for i := 0; i <= len(s); i++ {
			if i > 0 && s[i-1] == '/' {
				return false
			}
			if after(s[i:]) {
				return true
			}
		}
		return false
	}
}

func unescapeGlob(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Weight is the reference's specificity score for a glob key: its length
// minus its stars, minus one more when it has any. Heavier keys merge later
// and so win scalar conflicts.
func Weight(pattern string) int {
	stars := strings.Count(pattern, "*")
	w := len([]rune(pattern)) - stars
	if stars > 0 {
		w--
	}
	return w
}
