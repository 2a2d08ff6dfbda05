package config

import (
	"strconv"
	"strings"
)

// maxBraceExpansions bounds the number of patterns one brace expression may
// produce, so a hostile `{1..999999999}` cannot exhaust memory.
const maxBraceExpansions = 10000

// ExpandBraces expands a glob's brace expressions the way the npm package
// brace-expansion (used by minimatch) does: `a{b,c}d` gives `abd` and `acd`,
// `{1..3}` and `{a..c}` are sequences (with optional step and zero padding),
// nested sets expand recursively, a set without a comma or a valid sequence
// (`{a}`) stays literal, and backslash-escaped characters are never
// treated as syntax.
func ExpandBraces(pattern string) []string {
	// brace-expansion keeps a leading "{}" literal (find -exec style).
	if strings.HasPrefix(pattern, "{}") {
		out := expandBraces(pattern[2:], 0)
		for i := range out {
			out[i] = "{}" + out[i]
		}
		return out
	}
	return expandBraces(pattern, 0)
}

func expandBraces(s string, depth int) []string {
	if depth > 64 {
		return []string{s}
	}
	open, close := findBraceSet(s)
	if open < 0 {
		return []string{s}
	}
	pre, body, post := s[:open], s[open+1:close], s[close+1:]
	posts := expandBraces(post, depth+1)
	var middles []string
	if alts := splitTopLevelCommas(body); len(alts) > 1 {
		for _, a := range alts {
			middles = append(middles, expandBraces(a, depth+1)...)
			if len(middles) > maxBraceExpansions {
				break
			}
		}
	} else if seq, ok := expandSequence(body); ok {
		middles = seq
	} else {
		// Not a set: keep the braces literally and expand what follows.
		out := make([]string, 0, min(len(posts), maxBraceExpansions+1))
		for _, p := range expandBraces(body, depth+1) {
			for _, q := range posts {
				out = append(out, pre+"{"+p+"}"+q)
				if len(out) > maxBraceExpansions {
					return capExpansions(out) // never build the whole product
				}
			}
		}
		return out
	}
	out := make([]string, 0, min(len(middles)*len(posts), maxBraceExpansions+1))
	for _, m := range middles {
		for _, q := range posts {
			out = append(out, pre+m+q)
			if len(out) > maxBraceExpansions {
				return capExpansions(out)
			}
		}
	}
	return out
}

func capExpansions(out []string) []string {
	if len(out) > maxBraceExpansions {
		return out[:maxBraceExpansions]
	}
	return out
}

// findBraceSet returns the first unescaped '{' whose matching '}' exists and
// whose body is an expandable set (comma or sequence); otherwise the first
// balanced pair, or -1.
func findBraceSet(s string) (int, int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			if i > 0 && s[i-1] == '$' {
				continue // "${...}" is left alone, as brace-expansion does.
			}
			if j := matchingBrace(s, i); j >= 0 {
				return i, j
			}
		}
	}
	return -1, -1
}

func matchingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func splitTopLevelCommas(body string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, body[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, body[start:])
}

// expandSequence handles `x..y[..step]` for integers and single letters.
func expandSequence(body string) ([]string, bool) {
	parts := strings.Split(body, "..")
	if len(parts) != 2 && len(parts) != 3 {
		return nil, false
	}
	step := 1
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil {
			return nil, false
		}
		if n < 0 {
			n = -n
		}
		if n != 0 {
			step = n
		}
	}
	a, errA := strconv.Atoi(parts[0])
	b, errB := strconv.Atoi(parts[1])
	if errA == nil && errB == nil {
		width := 0
		if isPadded(parts[0]) || isPadded(parts[1]) {
			width = max(len(parts[0]), len(parts[1]))
		}
		var out []string
		for v := a; ; {
			out = append(out, padInt(v, width))
			if v == b || len(out) > maxBraceExpansions {
				break
			}
			if a < b {
				v += step
				if v > b {
					break
				}
			} else {
				v -= step
				if v < b {
					break
				}
			}
		}
		return out, true
	}
	if len(parts[0]) == 1 && len(parts[1]) == 1 {
		x, y := int(parts[0][0]), int(parts[1][0])
		var out []string
		for v := x; ; {
			c := string(rune(v))
			if c == "\\" {
				c = ""
			}
			out = append(out, c)
			if v == y {
				break
			}
			if x < y {
				v += step
				if v > y {
					break
				}
			} else {
				v -= step
				if v < y {
					break
				}
			}
		}
		return out, true
	}
	return nil, false
}

func isPadded(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) > 1 && s[0] == '0'
}

func padInt(v, width int) string {
	s := strconv.Itoa(v)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	for len(s) < width-boolInt(neg) {
		s = "0" + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
