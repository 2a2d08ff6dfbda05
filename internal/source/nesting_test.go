package source

import (
	"errors"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// deep builds open×n + mid + close×n.
func deep(open, mid, close string, n int) string {
	return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
}

// TestNestingRefusesWhatCrashesEsbuild: each shape esbuild recurses on
// (all measured to overflow its stack at some depth) is refused long
// before; the left-associative ones, which cost less per level, at 8
// times the count.
func TestNestingRefusesWhatCrashesEsbuild(t *testing.T) {
	t.Parallel()
	n := MaxNesting + 1
	for _, c := range []struct {
		name string
		src  string
		syn  Syntax
	}{
		{"parens", "x = " + deep("(", "1", ")", n), SyntaxJS},
		{"brackets", "x = " + deep("[", "", "]", n), SyntaxJS},
		{"blocks", deep("{", "", "}", n), SyntaxJS},
		{"objects", "x = " + deep("{a:", "1", "}", n), SyntaxJS},
		{"templates", "x = " + deep("`${", "1", "}`", n), SyntaxJS},
		{"arrows", "x = " + strings.Repeat("()=>", n) + "1", SyntaxJS},
		{"arrows without parens", "x = " + strings.Repeat("a=>", n) + "1", SyntaxJS},
		{"functions", deep("function f(){", "", "}", n), SyntaxJS},
		{"classes", deep("class A{m(){", "", "}}", n), SyntaxJS},
		{"prefix operators", "x = " + strings.Repeat("!", n) + "1", SyntaxJS},
		{"minus signs", "x = " + strings.Repeat("- ", n) + "1", SyntaxJS},
		{"typeof", "x = " + strings.Repeat("typeof ", n) + "a", SyntaxJS},
		{"new", "x = " + strings.Repeat("new ", n) + "a", SyntaxJS},
		{"await", "async function f(){x = " + strings.Repeat("await ", n) + "a}", SyntaxJS},
		{"spread", "x = " + deep("[...", "a", "]", n), SyntaxJS},
		{"assignments", strings.Repeat("a=", n) + "1", SyntaxJS},
		{"assignments over lines", strings.Repeat("a =\n", n) + "1", SyntaxJS},
		{"ternaries", "x = " + strings.Repeat("a?b:", n) + "1", SyntaxJS},
		{"ternary consequents", "x = " + deep("a?", "b", ":c", n), SyntaxJS},
		{"exponents", "x = a" + strings.Repeat("**a", n), SyntaxJS},
		{"member chain", "x = a" + strings.Repeat(".b", n), SyntaxJS},
		{"member chain over lines", "x = a" + strings.Repeat("\n.b", n), SyntaxJS},
		{"optional chain", "x = a" + strings.Repeat("?.b", n), SyntaxJS},
		{"call chain", "x = f" + strings.Repeat("()", n), SyntaxJS},
		{"index chain", "x = a" + strings.Repeat("[0]", n), SyntaxJS},
		{"tagged templates", "x = f" + strings.Repeat("``", n), SyntaxJS},
		{"nested calls", "x = f" + deep("(f", "", ")", n), SyntaxJS},
		{"if chain", strings.Repeat("if(a)", n) + ";", SyntaxJS},
		{"else-if chain", "if(a)b;" + strings.Repeat("else if(a)b;", n), SyntaxJS},
		{"else-if chain with blocks", "if(a){}" + strings.Repeat("else if(a){}", n), SyntaxJS},
		{"else-if chain over lines", "if(a)b\n" + strings.Repeat("else if(a)b\n", n), SyntaxJS},
		{"while chain", strings.Repeat("while(a)", n) + ";", SyntaxJS},
		{"labels", strings.Repeat("a:", n) + ";", SyntaxJS},
		{"jsx", "x = " + deep("<a>", "", "</a>", n), SyntaxJSX},
		{"jsx in tsx", "x = " + deep("<a b='c'>{", "", "}</a>", n), SyntaxTSX},
		{"typescript types", "let x: " + deep("A<", "B", ">", 8*n), SyntaxTS},
		{"typescript tuple types", "let x: " + deep("[", "B", "]", n), SyntaxTS},
		{"json", deep("[", "", "]", n), SyntaxJSON},
		{"json objects", deep(`{"a":`, "1", "}", n), SyntaxJSON},
		{"css", deep("a{", "", "}", n), SyntaxCSS},
		{"sequence", "x = (a" + strings.Repeat(",a", 8*n) + ")", SyntaxJS},
		{"statement sequence", "a()" + strings.Repeat(",a()", 8*n), SyntaxJS},
		{"string concatenation", `x = "a"` + strings.Repeat(`+"a"`, 8*n), SyntaxJS},
		{"sum", "x = 1" + strings.Repeat("+1", 8*n), SyntaxJS},
		// After if (…) a "/" starts a regular expression, whose quote is
		// no string: the parentheses after it are code.
		{"after a regex in a statement", "if (x) /'/.test(y) || " + deep("(", "1", ")", n) + "; '", SyntaxJS},
		// A "/" that may be either: the division reading is scanned too.
		{"ambiguous slash", "a\n/\"/; " + deep("(", "1", ")", n) + " ;\"/", SyntaxJS},
		{"ambiguous slash after a block", "{}/ ((" + deep("(", "1", ")", n) + ")) / 2", SyntaxJS},
		{"line separator ends a line comment", "// a\u2028" + deep("(", "1", ")", n), SyntaxJS},
	} {
		err := CheckNesting("/site/f.js", []byte(c.src), c.syn)
		var ne *NestingError
		if !errors.As(err, &ne) || !errors.Is(err, ErrNesting) {
			t.Errorf("%s: got %v, want a *NestingError", c.name, err)
		}
	}
}

// TestNestingAcceptsRealShapes: long flat code, brackets in strings,
// comments, template text, regular expressions and JSX text, and
// automatic semicolon insertion never add up.
func TestNestingAcceptsRealShapes(t *testing.T) {
	t.Parallel()
	n := 10 * MaxNesting
	parens := strings.Repeat("(", n)
	for _, c := range []struct {
		name string
		src  string
		syn  Syntax
	}{
		{"statements", strings.Repeat("a.b(c);\n", n), SyntaxJS},
		{"statements without semicolons", strings.Repeat("x = a.b(c)\n", n), SyntaxJS},
		{"ifs without semicolons", strings.Repeat("if (err) return cb(err)\n", n), SyntaxJS},
		{"functions", strings.Repeat("function f(a){return a}", n), SyntaxJS},
		{"minified declarations", "var a=1" + strings.Repeat(",b=c(d)", n), SyntaxJS},
		{"array", "x = [1" + strings.Repeat(",1", n) + "]", SyntaxJS},
		{"object", "module.exports = {a:1" + strings.Repeat(",a:b.c", n) + "}", SyntaxJS},
		{"arguments", "f(a" + strings.Repeat(",a", n) + ")", SyntaxJS},
		{"case labels", "switch(x){" + strings.Repeat("case 1:", n) + "}", SyntaxJS},
		{"chains joined by operators", "x = " + strings.Repeat("a.b.c.d && ", 2*MaxNesting) + "e", SyntaxJS},
		{"else-if chains apart", strings.Repeat("if(a){}else if(b){}\n", n), SyntaxJS},
		{"string", `x = "` + parens + `"`, SyntaxJS},
		{"single-quoted string", `x = '` + parens + `'`, SyntaxJS},
		{"line comment", "// " + parens + "\nx = 1", SyntaxJS},
		{"block comment", "/* " + parens + "\n*/ x = 1", SyntaxJS},
		{"html comment", "<!-- " + parens + "\nx = 1", SyntaxJS},
		{"template text", "x = `" + parens + "\n" + parens + "`", SyntaxJS},
		{"regex", "x = /[" + parens + "]/g", SyntaxJS},
		{"regex after return", "function f(){return /[" + parens + "]/}", SyntaxJS},
		{"jsx text", "x = <p>Don't " + parens + "</p>", SyntaxJSX},
		{"jsx attribute", "x = <p title=\"" + parens + "\" />", SyntaxJSX},
		{"tsx type parameters", "const f = <T,>(x: T) => x;\n" + strings.Repeat("f(1);\n", n), SyntaxTSX},
		{"json strings", `{"a": "` + parens + `"}`, SyntaxJSON},
		{"css string", `a { content: "` + parens + `" }`, SyntaxCSS},
		{"many regexes", strings.Repeat("s = s.replace(/\\(/g, '');\n", n), SyntaxJS},
		{"divisions", strings.Repeat("x = (a + b) / 2 / c;\n", n), SyntaxJS},
	} {
		if err := CheckNesting("/site/f.js", []byte(c.src), c.syn); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestNestingLimitIsExact: pure brackets count one level each; the error
// names the line where the limit was passed.
func TestNestingLimitIsExact(t *testing.T) {
	t.Parallel()
	if err := CheckNesting("f.js", []byte(deep("(", "", ")", MaxNesting)), SyntaxJS); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	src := "x = 1\n\n" + deep("[", "", "]", MaxNesting+1)
	err := CheckNesting("/site/f.js", []byte(src), SyntaxJS)
	want := `/site/f.js: nesting deeper than 2000 levels at line 3; esbuild's parser would overflow its stack on it;`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %s…", err, want)
	}
}

// TestNestingBelowLimitParses: at the limit esbuild parses the heaviest
// shapes, quickly.
func TestNestingBelowLimitParses(t *testing.T) {
	t.Parallel()
	n := MaxNesting / 2
	for _, src := range []string{
		"x = " + strings.Repeat("()=>", n) + "1",
		deep("class A{m(){", "", "}}", n/2),
		deep("{", "", "}", MaxNesting-1),
		strings.Repeat("a=", MaxNesting-1) + "1",
	} {
		if err := CheckNesting("f.js", []byte(src), SyntaxJS); err != nil {
			t.Fatal(err)
		}
		if res := api.Transform(src, api.TransformOptions{LogLevel: api.LogLevelSilent}); len(res.Errors) > 0 {
			t.Fatalf("esbuild: %v", res.Errors[0].Text)
		}
	}
}

// TestNestingUnsure: a file with more ambiguous "/" than can be read both
// ways is refused as unsure.
func TestNestingUnsure(t *testing.T) {
	t.Parallel()
	src := strings.Repeat("a\n/'/\n", maxForks+2)
	err := CheckNesting("/site/f.js", []byte(src), SyntaxJS)
	var ne *NestingError
	if !errors.As(err, &ne) || !ne.Unsure {
		t.Fatalf("got %v, want an unsure *NestingError", err)
	}
}
