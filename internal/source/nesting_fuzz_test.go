package source

import (
	"strings"
	"testing"
)

// FuzzNesting: the pre-check never panics, under every syntax; on the
// brackets of an input (the part of it up to the first closer that does
// not match, where esbuild would stop) it never counts less than a plain
// bracket counter, and exactly as much when no "(" or "[" follows a
// closer (which would be a call or index chain).
func FuzzNesting(f *testing.F) {
	for _, seed := range []string{
		"x = ((a)) + [b, {c: `${d}`}]",
		"if (x) /'/.test(y) || (1); '",
		"a\n/\"/; ((1)) ;\"/",
		"x = <p a='b' {...c}>Don't {d}<br/></p>",
		"const f = <T,>(x: T) => x",
		"// a\u2028((1))",
		"{\"a\": [1, {\"b\": \"(\"}]}",
		"a { b: url(\"(\") }",
		"{}/ ((1)) / 2",
		"`${`${`${a}`}`}`",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		for syn := SyntaxJS; syn <= SyntaxCSS; syn++ {
			depth, line, unsure := Nesting([]byte(src), syn, 1<<20)
			if depth < 0 || line < 0 || (unsure && line == 0) {
				t.Fatalf("syntax %d: depth %d line %d unsure %v", syn, depth, line, unsure)
			}
			err := CheckNesting("f", []byte(src), syn)
			if err != nil != (depth > MaxNesting || unsure) {
				t.Fatalf("syntax %d: depth %d unsure %v but CheckNesting says %v", syn, depth, unsure, err)
			}
		}
		brackets, chained := onlyBrackets(src)
		want := refDepth(brackets)
		for _, syn := range []Syntax{SyntaxJS, SyntaxTS, SyntaxJSON, SyntaxCSS} {
			got, _, _ := Nesting([]byte(brackets), syn, 1<<20)
			if got < want || !chained && syn != SyntaxCSS && got != want {
				t.Fatalf("syntax %d: %q nests %d levels, the pre-check says %d", syn, brackets, want, got)
			}
		}
	})
}

// onlyBrackets keeps the brackets of src (and line breaks), up to the
// first closer that does not match; chained says whether a "(" or "["
// follows a closer there.
func onlyBrackets(src string) (string, bool) {
	var b strings.Builder
	var stack []byte
	chained := false
	last := byte(0)
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '(', '[', '{':
			if (c == '(' || c == '[') && (last == ')' || last == ']' || last == '}') {
				chained = true
			}
			stack = append(stack, c)
		case ')', ']', '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return b.String(), chained
			}
			stack = stack[:len(stack)-1]
		case '\n':
		default:
			continue
		}
		b.WriteByte(c)
		if c != '\n' {
			last = c
		}
	}
	return b.String(), chained
}

// refDepth is the deepest bracket nesting of well-matched brackets.
func refDepth(brackets string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(brackets); i++ {
		switch brackets[i] {
		case '(', '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ')', ']', '}':
			depth--
		}
	}
	return deepest
}
