package source

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkNesting: the pre-check is linear in the file's size, for real
// code and for inputs built to make it work harder (closers with nothing
// to close, "/" that may start a regular expression, long lines).
func BenchmarkNesting(b *testing.B) {
	shapes := []struct {
		name string
		unit string
		pre  string
	}{
		{"code", "function f(a, b) { return a.b(c[d], `e${f}`) / 2 + /g+/.test(h) ? {i: 1} : [j]; }\n", ""},
		{"closers", "]", strings.Repeat("(", MaxNesting-1)},
		{"ambiguous-slash", "{}/a/", ""},
		{"ambiguous-class", "}/[", ""},
		{"unclosed-class", "(/[", ""},
		{"jsx", "<a b='c'>{d}</a>\n", "x = <>"},
	}
	for _, sh := range shapes {
		for _, n := range []int{10000, 100000} {
			src := []byte(sh.pre + strings.Repeat(sh.unit, n))
			syn := SyntaxJS
			if sh.name == "jsx" {
				syn = SyntaxJSX
			}
			b.Run(fmt.Sprintf("%s/%d", sh.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					Nesting(src, syn, MaxNesting)
				}
			})
		}
	}
}
