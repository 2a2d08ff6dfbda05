package resolver

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// semver is an npm version: major.minor.patch and prerelease identifiers
// (build metadata is dropped, as npm's ordering ignores it).
type semver struct {
	num [3]int
	pre []string
}

// compareSemver orders versions as npm does: by number, then a version
// with a prerelease before the same one without, prerelease identifiers
// compared numerically when both are numbers, numbers before words.
func compareSemver(a, b semver) int {
	for i := range a.num {
		if c := cmp.Compare(a.num[i], b.num[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1
	case len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, xerr := strconv.Atoi(a.pre[i])
		y, yerr := strconv.Atoi(b.pre[i])
		var c int
		switch {
		case xerr == nil && yerr == nil:
			c = cmp.Compare(x, y)
		case xerr == nil:
			c = -1
		case yerr == nil:
			c = 1
		default:
			c = strings.Compare(a.pre[i], b.pre[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.pre), len(b.pre))
}

const (
	numPart = `0|[1-9]\d*`
	prePart = `(?:-((?:` + numPart + `|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:` + numPart + `|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?`
	xPart   = numPart + `|x|X|\*`
)

var (
	// fullVersion is what npm's semver.valid accepts (strict mode).
	fullVersion = regexp.MustCompile(`^v?(` + numPart + `)\.(` + numPart + `)\.(` + numPart + `)` + prePart + `$`)
	// partial is a version in a range, where missing or x parts are
	// wildcards: 1, 1.x, 1.2.*.
	partial = regexp.MustCompile(`^[v=]*(` + xPart + `)(?:\.(` + xPart + `)(?:\.(` + xPart + `)` + prePart + `)?)?$`)
	// comparatorRe splits a range token into its operator and version.
	comparatorRe = regexp.MustCompile(`^(~>?|\^|[<>]?=?)\s*(.*)$`)
)

// parseSemver parses an exact version (semver.valid), or reports false.
func parseSemver(s string) (semver, bool) {
	m := fullVersion.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return semver{}, false
	}
	var v semver
	for i := range v.num {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return semver{}, false
		}
		v.num[i] = n
	}
	if m[4] != "" {
		v.pre = strings.Split(m[4], ".")
	}
	return v, true
}

// partialVersion is a range's version with its wildcard parts: known
// counts the leading parts given (0 for * or x).
type partialVersion struct {
	v     semver
	known int
}

func parsePartial(s string) (partialVersion, bool) {
	m := partial.FindStringSubmatch(s)
	if m == nil {
		return partialVersion{}, false
	}
	var p partialVersion
	for i := 1; i <= 3; i++ {
		if m[i] == "" || m[i] == "x" || m[i] == "X" || m[i] == "*" {
			break
		}
		n, err := strconv.Atoi(m[i])
		if err != nil {
			return partialVersion{}, false
		}
		p.v.num[i-1] = n
		p.known = i
	}
	if p.known == 3 && m[4] != "" {
		p.v.pre = strings.Split(m[4], ".")
	}
	return p, true
}

// bump returns the first version after every version matching p's known
// parts (1.2 → 1.3.0-0), as npm writes exclusive upper bounds.
func (p partialVersion) bump(part int) semver {
	v := semver{pre: []string{"0"}}
	copy(v.num[:], p.v.num[:part])
	v.num[part-1]++
	return v
}

// comparator is one bound of a range: op is one of >=, >, <, <=, =.
type comparator struct {
	op string
	v  semver
}

func (c comparator) test(v semver) bool {
	d := compareSemver(v, c.v)
	switch c.op {
	case ">=":
		return d >= 0
	case ">":
		return d > 0
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	}
	return d == 0
}

var (
	zero    = semver{}
	nothing = comparator{"<", semver{pre: []string{"0"}}} // below every version
)

// desugar turns one range token (^1.2, ~1, >=2.x, 1.2.3, *) into
// comparators, as npm's Range does; false when it is not valid.
func desugar(tok string) ([]comparator, bool) {
	m := comparatorRe.FindStringSubmatch(tok)
	op, p, ok := m[1], partialVersion{}, false
	if p, ok = parsePartial(m[2]); !ok {
		return nil, false
	}
	lower := comparator{">=", p.v}
	switch {
	case p.known == 0:
		if op == "<" || op == ">" {
			return []comparator{nothing}, true
		}
		return nil, true // any version
	case op == "^":
		part := 1 // the first non-zero part given moves
		for part < p.known && p.v.num[part-1] == 0 {
			part++
		}
		return []comparator{lower, {"<", p.bump(part)}}, true
	case op == "~" || op == "~>":
		return []comparator{lower, {"<", p.bump(min(p.known, 2))}}, true
	case p.known < 3:
		switch op {
		case "", "=":
			return []comparator{lower, {"<", p.bump(p.known)}}, true
		case ">":
			return []comparator{{">=", p.bump(p.known)}}, true
		case "<":
			return []comparator{{"<", semver{num: p.v.num, pre: []string{"0"}}}}, true
		case "<=":
			return []comparator{{"<", p.bump(p.known)}}, true
		}
		return []comparator{{op, p.v}}, true // >=
	}
	if op == "" {
		op = "="
	}
	return []comparator{{op, p.v}}, true
}

// hyphen desugars "A - B": from A (missing parts zero) to B inclusive
// (a partial B includes everything it matches).
func hyphen(from, to string) ([]comparator, bool) {
	a, ok1 := parsePartial(from)
	b, ok2 := parsePartial(to)
	if !ok1 || !ok2 {
		return nil, false
	}
	var out []comparator
	if a.known > 0 {
		out = append(out, comparator{">=", a.v})
	}
	switch {
	case b.known == 3:
		out = append(out, comparator{"<=", b.v})
	case b.known > 0:
		out = append(out, comparator{"<", b.bump(b.known)})
	}
	return out, true
}

var (
	orSplit     = regexp.MustCompile(`\s*\|\|\s*`)
	hyphenRe    = regexp.MustCompile(`^\s*(\S+)\s+-\s+(\S+)\s*$`)
	opSpaceRe   = regexp.MustCompile(`(~>?|\^|[<>]?=)\s+`)
	spaceSplits = regexp.MustCompile(`\s+`)
)

// parseRange parses an npm range into its alternatives, each a list of
// comparators that must all hold (an empty list allows any version).
func parseRange(r string) ([][]comparator, bool) {
	var sets [][]comparator
	for _, alt := range orSplit.Split(strings.TrimSpace(r), -1) {
		if m := hyphenRe.FindStringSubmatch(alt); m != nil {
			set, ok := hyphen(m[1], m[2])
			if !ok {
				return nil, false
			}
			sets = append(sets, set)
			continue
		}
		alt = strings.TrimSpace(opSpaceRe.ReplaceAllString(alt, "$1"))
		var set []comparator
		if alt != "" {
			for _, tok := range spaceSplits.Split(alt, -1) {
				cs, ok := desugar(tok)
				if !ok {
					return nil, false
				}
				set = append(set, cs...)
			}
		}
		sets = append(sets, set)
	}
	return sets, true
}

// allowsFrom reports whether an npm range can install min or a later
// version: it includes min, or lies entirely above it (npm's
// semver.satisfies(min, r) || semver.ltr(min, r)). An invalid range
// allows nothing.
func allowsFrom(r string, min semver) bool {
	sets, ok := parseRange(r)
	if !ok {
		return false
	}
	above := true
	for _, set := range sets {
		if slices.IndexFunc(set, func(c comparator) bool { return !c.test(min) }) < 0 {
			return true // min satisfies this alternative
		}
		// min lies below this alternative when it fails its highest lower
		// bound; an alternative with no lower bound starts at 0.0.0.
		floor := comparator{">=", zero}
		for _, c := range set {
			if c.op != ">=" && c.op != ">" && c.op != "=" {
				continue
			}
			if d := compareSemver(c.v, floor.v); d > 0 || d == 0 && c.op == ">" {
				floor = comparator{c.op, c.v}
			}
		}
		if floor.op == "=" {
			floor.op = ">="
		}
		if floor.test(min) {
			above = false
		}
	}
	return above
}
