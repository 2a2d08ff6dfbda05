package node

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// quickScan lists what a package file imports without esbuild's parser:
// the import and export declarations and the literal require() and
// import() calls esbuild's scan reports for it. Most files a function
// ships are package files, and parsing them was a fifth of a large
// build's CPU; reading their tokens costs a small part of that.
//
// It reads tokens only, so it claims a file (why is empty) only where
// tokens settle what esbuild would report, and otherwise leaves it to
// esbuild, saying why:
//   - JSX, decorators, escapes in identifiers, non-ASCII outside strings
//     and comments, HTML-like comments, with statements and import
//     attributes, import or export declarations inside brackets;
//   - a require that is not called with one plain string literal, or is
//     anything but the global (a parameter, a variable, a property key,
//     module.require, an import's binding): esbuild follows calls of the
//     unbound require only; a specifier that is not UTF-8, which esbuild
//     reads with U+FFFD;
//   - a call that may sit in code esbuild proves dead ("if (false)",
//     "0 && require(…)", a catch after an empty try): any inside an if,
//     else, switch or catch body, or after ?, &&, || or ?? in its
//     statement, where only the parser could fold the condition, and a
//     do-while loop as an if or else body;
//   - a "/" after "}", "++" or a contextual keyword, or on a new line
//     after a name ("var x", "break label"), where only the parser knows
//     whether a regular expression starts; unbalanced brackets and
//     unterminated strings, comments, templates or regular expressions;
//   - a top-level await in a file with no other ESM syntax (and an await
//     outside function bodies, which may be one, where other syntax does
//     not settle the module format: see quickResult.esm).
//
// It finds no syntax errors: the Scanner gives it package files only. The
// module format is the caller's to decide from what it reports (see
// quickResult.esm).
func quickScan(src []byte) (res quickResult, why string) {
	s := qscan{src: src}
	if !s.run() {
		return quickResult{}, s.why
	}
	if s.res.topAwait && !s.res.esmSyntax && !s.res.importStmt {
		return quickResult{}, "a top-level await in a file with no other ESM syntax"
	}
	slices.SortFunc(s.res.imports, compareImports)
	s.res.imports = slices.Compact(s.res.imports)
	return s.res, ""
}

// quickResult is what quickScan found in a file.
type quickResult struct {
	// imports come sorted, each specifier and kind once, as esbuild's
	// scan reports them.
	imports []Import
	// esmSyntax: export declarations or import.meta; importStmt: import
	// declarations.
	esmSyntax, importStmt bool
	// topAwait: an await outside every function body quickScan sees (an
	// arrow's expression body, a function whose "{" starts a line are not
	// seen), which is a top-level await unless it is in one of those.
	topAwait bool
	// cjsRefs: the file names module, exports, this or eval outside a
	// property, or returns outside the function bodies quickScan sees.
	// These over-report (a local variable called module, an object key,
	// this in a function), which esm allows for.
	cjsRefs bool
}

// esm is the module format esbuild's scan gives a file with extension
// ext: ESM syntax decides, then CommonJS's names, then the extension,
// then import declarations (js_parser's exports kind; the scan resolves
// files itself, so no package.json "type" applies). ok is false where
// cjsRefs, which may over-report, would decide against ESM, and where a
// topAwait that may be a top-level await would make ESM a file that is not
// otherwise.
func (r quickResult) esm(ext string) (esm, ok bool) {
	switch {
	case r.esmSyntax:
		return true, true
	case r.cjsRefs:
		esm, ok = false, ext == ".cjs" || ext != ".mjs" && !r.importStmt
	case ext == ".cjs":
		esm, ok = false, true
	case ext == ".mjs":
		esm, ok = true, true
	default:
		esm, ok = r.importStmt, true
	}
	return esm, ok && (esm || !r.topAwait)
}

// compareImports orders imports by specifier, then kind.
func compareImports(a, b Import) int {
	return cmp.Or(strings.Compare(a.Specifier, b.Specifier), strings.Compare(string(a.Kind), string(b.Kind)))
}

// qtok is the kind of a token quickScan reads.
type qtok uint8

const (
	qEOF     qtok = iota
	qWord         // identifier or keyword
	qString       // '…' or "…"
	qOperand      // number, regular expression, private name, template end
	qPunct        // other punctuation, and a template's head
	qOpen         // ( [ {
	qClose        // ) ] }
)

// qprev is what the token before a "/" makes of it.
type qprev uint8

const (
	prevStart   qprev = iota // file start, punctuation, most keywords: a regexp
	prevOperand              // a value ended: a division
	prevCtrl                 // the ")" of if/while/for/with: a regexp
	prevUnsure               // "}", "++", yield and the like: either
)

// qframe is an open bracket, or a template substitution ('$').
type qframe struct {
	open byte
	// ctrl: the "(" of if, while, for or with, after whose ")" a
	// statement starts.
	ctrl bool
	// guards: the "(" of if, switch or catch, whose body is conditional.
	guards bool
	// cond: code in this bracket runs only on some condition.
	cond bool
	// stmtCond: the statement under way here is conditional (an if body
	// without braces, an expression after ? or &&) until the next ";" at
	// this level.
	stmtCond bool
	// fn: this bracket is a function body or inside one, where await is
	// no top-level await.
	fn bool
	// classHead: a class keyword came at this level, and its body's "{"
	// (after "extends f()" perhaps) is not yet open.
	classHead bool
}

type qscan struct {
	src []byte
	i   int
	// The token just read, and for a string whether it holds escapes.
	tok     qtok
	text    []byte
	escaped bool

	prev qprev
	// word is the token before when it was a word not after a dot.
	word []byte
	// nl: a line terminator came before the token just read.
	nl bool
	// afterDot: the token before was "." or "?.", so a word is a property;
	// moduleDot: and the one before that was module or a closing bracket,
	// which may be module: esbuild reads module.require(…) as require(…).
	afterDot, moduleDot bool
	// closed: the token before was ")" or "]".
	closed bool
	// arrow: the token before was "=>"; params: it was a ")" closing no
	// if, for, while, switch or catch head: a "{" after either (on the
	// same line, after ")") opens a function body.
	arrow, params bool
	// ctrl is the if/while/for/switch/catch/with just read, for the "("
	// or "{" after it.
	ctrl []byte
	// pendingCond: the statement about to start is an if, else, switch or
	// catch body.
	pendingCond bool

	// frames are the open brackets; level is the top level, outside all.
	frames []qframe
	level  qframe
	res    quickResult
	// why says what made quickScan give up, for tests.
	why string
}

// refuse gives the file up to esbuild, saying why.
func (s *qscan) refuse(why string) bool {
	if s.why == "" {
		s.why = why
	}
	return false
}

// run reads the whole file; false leaves it to esbuild.
func (s *qscan) run() bool {
	s.skipPreamble()
	for {
		if !s.lex() {
			return false
		}
		if s.tok == qEOF {
			return len(s.frames) == 0 || s.refuse("unbalanced brackets")
		}
		if !s.handle() {
			return false
		}
	}
}

// skipPreamble skips a #! line, or a byte order mark (before which
// esbuild reads no #! line).
func (s *qscan) skipPreamble() {
	switch {
	case bytes.HasPrefix(s.src, []byte("#!")):
		s.lineComment()
	case bytes.HasPrefix(s.src, []byte("\xEF\xBB\xBF")):
		s.i = 3
	}
}

// top is the innermost frame, or the top level.
func (s *qscan) top() *qframe {
	if len(s.frames) == 0 {
		return &s.level
	}
	return &s.frames[len(s.frames)-1]
}

// conditional reports whether code here runs only on some condition.
func (s *qscan) conditional() bool {
	f := s.top()
	return s.pendingCond || f.cond || f.stmtCond
}

// handle acts on the token just read.
func (s *qscan) handle() bool {
	afterDot, moduleDot, word, ctrl, closed := s.afterDot, s.moduleDot, s.word, s.ctrl, s.closed
	s.afterDot, s.moduleDot, s.word, s.ctrl, s.closed = false, false, nil, nil, false
	body := s.arrow || s.params && !s.nl
	s.arrow, s.params = false, false
	isBrace := s.tok == qOpen && s.text[0] == '{'
	// The body pendingCond announced starts here: a block is conditional
	// as a whole, a single statement until its ";".
	if s.pendingCond && !isBrace {
		s.pendingCond = false
		s.top().stmtCond = true
	}
	switch s.tok {
	case qWord:
		if afterDot && moduleDot && bytes.Equal(s.text, []byte("require")) {
			return s.refuse("a require called as module.require")
		}
		ok := s.handleWord(afterDot, word)
		if bytes.Equal(ctrl, []byte("for")) && s.isWord("await") {
			s.ctrl = ctrl // for await (…): still a loop's head
		}
		return ok
	case qString, qOperand:
		s.prev = prevOperand
	case qOpen:
		if s.text[0] == '[' && bytes.Equal(word, []byte("module")) {
			return s.refuse("a require called as module.require")
		}
		f := qframe{open: s.text[0], cond: s.conditional(), fn: s.top().fn}
		s.pendingCond = false
		if isBrace {
			// A class body is none: "class A extends f() {".
			f.fn = f.fn || body && !s.top().classHead
			s.top().classHead = false
		}
		switch {
		case f.open == '(' && ctrl != nil:
			f.ctrl = !bytes.Equal(ctrl, []byte("switch")) && !bytes.Equal(ctrl, []byte("catch"))
			f.guards = bytes.Equal(ctrl, []byte("if")) || !f.ctrl
		case isBrace && bytes.Equal(ctrl, []byte("catch")):
			f.cond = true
		}
		s.frames = append(s.frames, f)
		s.prev = prevStart
	case qClose:
		return s.close()
	case qPunct:
		return s.punct(bytes.Equal(word, []byte("module")) || closed)
	}
	return true
}

// handleWord handles an identifier or keyword; word is the one before.
func (s *qscan) handleWord(afterDot bool, before []byte) bool {
	w := s.text
	s.prev = prevOperand
	if afterDot {
		return true // a property name, whatever it spells
	}
	s.word = w
	switch string(w) {
	case "require":
		if c := s.peekByte(); bytes.Equal(before, []byte("typeof")) && c != '(' && c != '.' {
			return true // typeof require: no call (typeof require("x") is one)
		}
		if bytes.Equal(before, []byte("new")) {
			return s.refuse("a require that is not a call of the global")
		}
		if s.conditional() {
			return s.refuse("a require in conditional code")
		}
		return s.requireCall()
	case "import":
		switch s.peekByte() {
		case '(':
			if s.conditional() {
				return s.refuse("an import() in conditional code")
			}
			return s.literalCall(KindDynamicImport)
		case '.':
			return s.importMeta()
		}
		return s.importDecl()
	case "export":
		return s.exportDecl()
	case "with":
		return s.refuse("a with statement or import attributes")
	case "module", "exports", "this", "eval":
		// A top-level this is exports to esbuild in a file without ESM
		// exports; a direct eval may name module or exports.
		s.res.cjsRefs = true
	case "return":
		s.prev = prevStart
		if !s.top().fn {
			s.res.cjsRefs = true // perhaps a top-level return
		}
	case "await":
		s.prev = prevUnsure
		if !s.top().fn {
			s.res.topAwait = true
		}
	case "class":
		s.top().classHead = true
	case "if", "while", "for", "switch", "catch":
		s.prev, s.ctrl = prevStart, w
	case "else":
		s.prev, s.pendingCond = prevStart, true
	case "do":
		// "if (false) do x(); while (require(…))": the ";" inside the
		// body would end its being conditional.
		if s.top().stmtCond {
			return s.refuse("a do-while loop as the body of an if or else")
		}
		s.prev = prevStart
	case "typeof", "instanceof", "in", "new", "delete", "void", "throw", "case", "default", "extends":
		s.prev = prevStart
	case "yield", "of", "let", "async", "get", "set", "static":
		s.prev = prevUnsure
	}
	return true
}

// requireCall reads what follows a require: "(" string ")", or
// ".resolve(" string ")", which esbuild's scan does not report (its
// output format is ESM).
func (s *qscan) requireCall() bool {
	switch s.peekByte() {
	case '(':
	case '.':
		if !s.expect(qPunct, ".") || !s.expect(qWord, "resolve") {
			return s.refuse("a require that is not a call of the global")
		}
		return s.literalCall("")
	default:
		return s.refuse("a require that is not a call of the global")
	}
	return s.literalCall(KindRequire)
}

// specifier is the current string token as an import specifier; one
// that is not UTF-8 is refused (esbuild reads U+FFFD in its place).
func (s *qscan) specifier() (string, bool) {
	if !utf8.Valid(s.text) {
		return "", s.refuse("a specifier that is not UTF-8")
	}
	return string(s.text), true
}

// literalCall reads "(" string ")" and records the import, unless kind
// is empty.
func (s *qscan) literalCall(kind ImportKind) bool {
	if !s.expect(qOpen, "(") || !s.expect(qString, "") || s.escaped {
		return s.refuse("a require or import() that is not a literal call")
	}
	spec, ok := s.specifier()
	if !ok {
		return false
	}
	if !s.expect(qClose, ")") {
		return s.refuse("a require or import() that is not a literal call")
	}
	if kind != "" {
		s.res.imports = append(s.res.imports, Import{Specifier: spec, Kind: kind})
	}
	s.prev = prevOperand
	return true
}

// expect reads the next token, which must be of kind tok (and spell text,
// unless text is empty). The brackets it reads balance each other, so no
// frame needs pushing.
func (s *qscan) expect(tok qtok, text string) bool {
	s.prev = prevStart // what follows "(" or "." is an operand
	if !s.lex() || s.tok != tok {
		return false
	}
	return text == "" || string(s.text) == text
}

// peekByte is the next byte after blanks, or 0 (comments make it 0 too,
// which only makes quickScan give up).
func (s *qscan) peekByte() byte {
	for j := s.i; j < len(s.src); j++ {
		switch c := s.src[j]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// close handles ")", "]" or "}".
func (s *qscan) close() bool {
	want := map[byte]byte{')': '(', ']': '[', '}': '{'}[s.text[0]]
	if len(s.frames) == 0 || s.top().open != want {
		return s.refuse("unbalanced brackets")
	}
	f := *s.top()
	s.frames = s.frames[:len(s.frames)-1]
	s.closed = want != '{'
	s.params = want == '(' && !f.guards && !f.ctrl
	switch {
	case f.guards:
		s.pendingCond = true
		s.prev = prevCtrl
	case f.ctrl:
		s.prev = prevCtrl
	case want == '{':
		s.prev = prevUnsure
	default:
		s.prev = prevOperand
	}
	return true
}

// punct handles punctuation; moduleish is set when the token before was
// module or a closing bracket.
func (s *qscan) punct(moduleish bool) bool {
	s.prev = prevStart
	switch string(s.text) {
	case ".", "?.":
		s.afterDot, s.moduleDot = true, moduleish
	case ";":
		s.top().stmtCond = false
	case "=>":
		s.arrow = true
	case "?", "&&", "||", "??":
		s.top().stmtCond = true
	case "++", "--":
		s.prev = prevUnsure
	}
	return true
}

// lex reads the next token into s.tok and s.text; false when the file
// holds what quickScan does not model.
func (s *qscan) lex() bool {
	src := s.src
	s.nl = false
	for s.i < len(src) {
		switch c := src[s.i]; {
		case c == '\n' || c == '\r':
			s.i++
			s.nl = true
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			s.i++
		case c == '/' && s.i+1 < len(src) && src[s.i+1] == '/':
			if !s.lineComment() {
				return false // lineComment says why
			}
		case c == '/' && s.i+1 < len(src) && src[s.i+1] == '*':
			end := bytes.Index(src[s.i+2:], []byte("*/"))
			if end < 0 {
				return s.refuse("an unterminated comment")
			}
			// A comment holding a line terminator is one (for ASI).
			s.nl = s.nl || bytes.ContainsAny(src[s.i:s.i+2+end], "\n\r\u2028\u2029")
			s.i += 2 + end + 2
		default:
			return s.token(c)
		}
	}
	s.tok = qEOF
	return true
}

// lineComment skips a // comment (or #! line). A line or paragraph
// separator would end it early, so it gives up on those.
func (s *qscan) lineComment() bool {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\n', '\r':
			return true
		case 0xE2:
			if bytes.HasPrefix(s.src[s.i:], []byte("\u2028")) || bytes.HasPrefix(s.src[s.i:], []byte("\u2029")) {
				return s.refuse("a line separator in a comment")
			}
		}
		s.i++
	}
	return true
}

// token reads the token starting with c at s.i.
func (s *qscan) token(c byte) bool {
	start := s.i
	set := func(tok qtok, n int) bool {
		s.tok, s.text = tok, s.src[start:start+n]
		s.i = start + n
		return true
	}
	next := func(k int) byte {
		if start+k < len(s.src) {
			return s.src[start+k]
		}
		return 0
	}
	switch {
	case isWordStart(c):
		n := s.wordLen(start)
		if n < 0 {
			return s.refuse("an escape or non-ASCII in an identifier")
		}
		return set(qWord, n)
	case c == '#':
		n := s.wordLen(start + 1)
		if n <= 0 {
			return s.refuse("a bad private name")
		}
		return set(qOperand, 1+n)
	case isDigit(c) || c == '.' && isDigit(next(1)):
		n := 1
		for isWordByte(next(n)) || next(n) == '.' {
			n++
		}
		return set(qOperand, n)
	case c == '\'' || c == '"':
		return s.quoted(c)
	case c == '`':
		s.i++
		return s.template()
	case c == '}' && len(s.frames) > 0 && s.top().open == '$':
		s.frames = s.frames[:len(s.frames)-1]
		s.i++
		return s.template()
	case c == '(' || c == '[' || c == '{':
		return set(qOpen, 1)
	case c == ')' || c == ']' || c == '}':
		return set(qClose, 1)
	case c == '/':
		switch s.prev {
		case prevStart, prevCtrl:
			return s.regexp()
		case prevUnsure:
			return s.refuse("a \"/\" that could start a regular expression or divide")
		}
		if s.nl && s.word != nil {
			// "var x", "break label", "debugger": a statement may end
			// there, and a regular expression start the next.
			return s.refuse("a \"/\" on a new line after a name, which may end a statement")
		}
		if next(1) == '=' {
			return set(qPunct, 2)
		}
		return set(qPunct, 1)
	case c == '<':
		// Where an operand starts, "<" opens JSX (or is an error);
		// "<!--" opens an HTML-like comment.
		if s.prev == prevStart || s.prev == prevCtrl || next(1) == '!' {
			return s.refuse("JSX or an HTML-like comment")
		}
		if next(1) == '<' || next(1) == '=' {
			return set(qPunct, 2) // <<, <=, and <<= as << then =
		}
		return set(qPunct, 1)
	case c == '-' && next(1) == '-':
		if next(2) == '>' {
			return s.refuse("an HTML-like comment") // perhaps an HTML-like closing comment
		}
		return set(qPunct, 2)
	case (c == '+' || c == '&' || c == '|' || c == '?') && next(1) == c,
		c == '=' && next(1) == '>',
		c == '?' && next(1) == '.' && !isDigit(next(2)):
		return set(qPunct, 2)
	case c == '.' && next(1) == '.' && next(2) == '.':
		return set(qPunct, 3)
	case bytes.IndexByte([]byte(".,;:?!~*%^&|+-=>"), c) >= 0:
		return set(qPunct, 1)
	}
	if c >= 0x80 {
		return s.refuse("an escape or non-ASCII in an identifier")
	}
	// "@" (decorators), "\\" (escaped identifiers), controls.
	return s.refuse("a character quickScan does not read")
}

// wordLen is the length of the identifier at j; -1 when it runs into an
// escape or non-ASCII, which quickScan does not read.
func (s *qscan) wordLen(j int) int {
	n := 0
	for j+n < len(s.src) && isWordByte(s.src[j+n]) {
		n++
	}
	if j+n < len(s.src) && (s.src[j+n] == '\\' || s.src[j+n] >= 0x80) {
		return -1
	}
	return n
}

// quoted reads a string literal; s.text is what is between the quotes.
func (s *qscan) quoted(q byte) bool {
	s.escaped = false
	for j := s.i + 1; j < len(s.src); j++ {
		switch s.src[j] {
		case q:
			s.tok, s.text = qString, s.src[s.i+1:j]
			s.i = j + 1
			return true
		case '\\':
			s.escaped = true
			j++
		case '\n', '\r':
			return s.refuse("an unterminated string")
		}
	}
	return s.refuse("an unterminated string")
}

// template reads template text from s.i up to its end (an operand) or to
// a substitution, which opens a frame as a bracket would.
func (s *qscan) template() bool {
	for j := s.i; j < len(s.src); j++ {
		switch s.src[j] {
		case '`':
			s.tok, s.text, s.i = qOperand, s.src[j:j+1], j+1
			return true
		case '\\':
			j++
		case '$':
			if j+1 < len(s.src) && s.src[j+1] == '{' {
				s.frames = append(s.frames, qframe{open: '$', cond: s.conditional(), fn: s.top().fn})
				s.tok, s.text, s.i = qPunct, s.src[j:j+2], j+2
				return true
			}
		}
	}
	return s.refuse("an unterminated template")
}

// regexp reads a regular expression literal and its flags.
func (s *qscan) regexp() bool {
	class := false
	for j := s.i + 1; j < len(s.src); j++ {
		switch s.src[j] {
		case '\\':
			j++
			if j < len(s.src) && (s.src[j] == '\n' || s.src[j] == '\r') {
				return s.refuse("an unterminated regular expression")
			}
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			if class {
				continue
			}
			j++
			for j < len(s.src) && isWordByte(s.src[j]) {
				j++
			}
			s.tok, s.text, s.i = qOperand, s.src[s.i:j], j
			return true
		case '\n', '\r':
			return s.refuse("an unterminated regular expression")
		}
	}
	return s.refuse("an unterminated regular expression")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isWordStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}
func isWordByte(c byte) bool { return isWordStart(c) || isDigit(c) }
