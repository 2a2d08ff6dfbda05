package source

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tTemplate
	tNumber
	tPunct
	tRegexp
)

type tok struct {
	kind tokKind
	text string
	// lineStart is set for a token that begins a line at column 0, which
	// in esbuild's output starts a new top-level statement.
	lineStart bool
}

// lex splits JavaScript into tokens, skipping comments. It is enough for
// esbuild's printed output: strings, templates (with nested ${}),
// regular expressions after operators, numbers, identifiers, punctuation.
func lex(src string) []tok {
	var toks []tok
	col0 := true
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			col0 = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			col0 = false
			i++
			continue
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
			continue
		}
		start := i
		var kind tokKind
		switch {
		case c == '"' || c == '\'':
			i = skipString(src, i)
			kind = tString
		case c == '`':
			i = skipTemplate(src, i)
			kind = tTemplate
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			for i < len(src) && (isIdentByte(src[i]) || src[i] == '.') {
				i++
			}
			kind = tNumber
		case isIdentStart(src, i):
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !(r == '$' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\u200c' || r == '\u200d') {
					break
				}
				i += size
			}
			kind = tIdent
		case c == '/' && regexAllowed(toks):
			i = skipRegexp(src, i)
			kind = tRegexp
		default:
			i += punctLen(src[i:])
			kind = tPunct
		}
		if i <= start {
			// Never stall on input the cases above do not recognise
			// (a lone '#', invalid UTF-8): take one byte as punctuation.
			i, kind = start+1, tPunct
		}
		toks = append(toks, tok{kind: kind, text: src[start:i], lineStart: col0})
		col0 = false
	}
	return toks
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isIdentStart(src string, i int) bool {
	r, _ := utf8.DecodeRuneInString(src[i:])
	return r == '$' || r == '_' || unicode.IsLetter(r) || r == '#'
}

func skipString(src string, i int) int {
	q := src[i]
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case q:
			return i + 1
		case '\n':
			return i
		}
	}
	return i
}

func skipTemplate(src string, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '`':
			return i + 1
		case '$':
			if i+1 < len(src) && src[i+1] == '{' {
				i = skipBraces(src, i+1) - 1
			}
		}
	}
	return i
}

// skipBraces skips a balanced {...} starting at src[i] == '{'.
func skipBraces(src string, i int) int {
	depth := 0
	for ; i < len(src); i++ {
		switch src[i] {
		case '"', '\'':
			i = skipString(src, i) - 1
		case '`':
			i = skipTemplate(src, i) - 1
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

func skipRegexp(src string, i int) int {
	inClass := false
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if !inClass {
				i++
				for i < len(src) && isIdentByte(src[i]) {
					i++
				}
				return i
			}
		case '\n':
			return i
		}
	}
	return i
}

// regexAllowed: a slash starts a regular expression unless it follows
// something that ends an expression.
func regexAllowed(toks []tok) bool {
	if len(toks) == 0 {
		return true
	}
	last := toks[len(toks)-1]
	switch last.kind {
	case tNumber, tString, tTemplate, tRegexp:
		return false
	case tIdent:
		switch last.text {
		case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
			return true
		}
		return false
	}
	return last.text != ")" && last.text != "]" && last.text != "}"
}

var puncts = []string{">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>"}

func punctLen(s string) int {
	for _, p := range puncts {
		if strings.HasPrefix(s, p) {
			return len(p)
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

// statements splits tokens into top-level statements: a statement ends at
// a ';' at depth 0, or where a token starts a line at column 0 at depth 0.
func statements(toks []tok) [][]tok {
	var out [][]tok
	var cur []tok
	depth := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for _, t := range toks {
		if depth == 0 && t.lineStart && t.kind != tPunct {
			flush()
		}
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			case ";":
				if depth == 0 {
					flush()
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	flush()
	return out
}
