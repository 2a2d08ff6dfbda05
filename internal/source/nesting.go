package source

import (
	"errors"
	"fmt"
	"path/filepath"
	"unicode/utf8"
)

// MaxNesting is how deep a file may nest before zisi refuses to hand it to
// esbuild. esbuild's parser, visitor and printer recurse once per level of
// nesting, in goroutines of their own, so a deep enough file exceeds Go's
// stack limit: a fatal error no recover() catches, which takes the whole
// build down. With esbuild v0.28.2 and Go's default limit (1 GB, which
// is 512 MiB in practice: a stack grows by doubling) that happens at about
// 164000 levels of brackets (a 330 kB file), 128000 of "a=a=…" and 80000
// of "()=>()=>…"; a level costs 2.3 to 6.6 kB of stack. Node.js itself
// refuses to load files past 1635 nested parentheses, 2001 brackets or
// 1062 nested arrow functions (a RangeError while parsing), so 2000
// levels (at most 13 MB of stack) refuses nothing that could run; the
// 26000 files of the npm packages in zisi's test cache count at most 210
// (a 1500-term "||" chain in pnpm), all others under 110, and none is
// unsure. The
// limit also bounds esbuild's quadratic cases: nested blocks print
// O(depth²) bytes, nested arrow functions take O(depth²) time.
const MaxNesting = 2000

// ErrNesting classifies a source file nested too deeply for esbuild.
var ErrNesting = errors.New("nesting too deep")

// NestingError is a file that CheckNesting refused.
type NestingError struct {
	File  string
	Line  int
	Limit int
	// Unsure is set when the file has too many places where "/" or "<"
	// could start a regular expression or JSX to tell them apart: it is
	// refused rather than risk a crash.
	Unsure bool
}

func (e *NestingError) Error() string {
	what := fmt.Sprintf("nesting deeper than %d levels at line %d", e.Limit, e.Line)
	if e.Unsure {
		what = fmt.Sprintf("nesting that cannot be checked at line %d (too many places where \"/\" or \"<\" may start a regular expression or JSX)", e.Line)
	}
	return fmt.Sprintf("%s: %s; esbuild's parser would overflow its stack on it; split the deeply nested expression or statement into smaller ones (generated code: emit the data as JSON, or as a flat list)", e.File, what)
}

// Is makes NestingError match ErrNesting.
func (e *NestingError) Is(target error) bool { return target == ErrNesting }

// Syntax says how CheckNesting reads a file: as the esbuild loader that
// parses it would.
type Syntax uint8

// Syntaxes.
const (
	// SyntaxNone: esbuild does not parse the file (text, binary).
	SyntaxNone Syntax = iota
	SyntaxJS
	SyntaxJSX
	SyntaxTS
	SyntaxTSX
	SyntaxJSON
	SyntaxCSS
)

// SyntaxFor is the syntax esbuild's default loader for path's extension
// reads.
func SyntaxFor(path string) Syntax {
	switch filepath.Ext(path) {
	case ".js", ".mjs", ".cjs":
		return SyntaxJS
	case ".jsx":
		return SyntaxJSX
	case ".ts", ".mts", ".cts":
		return SyntaxTS
	case ".tsx":
		return SyntaxTSX
	case ".json":
		return SyntaxJSON
	case ".css":
		return SyntaxCSS
	}
	return SyntaxNone
}

// CheckNesting returns a *NestingError when src, read as syn, nests more
// than MaxNesting levels deep.
func CheckNesting(file string, src []byte, syn Syntax) error {
	if syn == SyntaxNone {
		return nil
	}
	depth, line, unsure := Nesting(src, syn, MaxNesting)
	if depth <= MaxNesting && !unsure {
		return nil
	}
	return &NestingError{File: file, Line: line, Limit: MaxNesting, Unsure: unsure}
}

// Nesting estimates how deep esbuild's parser recurses on src, in levels,
// and the line of the deepest point; the scan stops once the depth passes
// limit. The estimate never falls short of the bracket depth: a level is
// each open bracket, template substitution and JSX element, and each link
// of a chain the parser recurses on without a bracket: prefix operators
// (!!!x), right-associative operators (a=b=c, a?b:c?d:e, x=>y=>z, a**b),
// member and call chains (a.b.c(), f()()), statement prefixes (if(a)if(b)…,
// else-if chains, labels). Left-associative chains (a+b+…, sequences
// a,b,…, TypeScript's A<B<…>>) count an eighth of a level per operator:
// they cost little stack, but esbuild folds "a"+"b"+… and handles
// sequences in quadratic time and memory (40000 string terms took 1.6
// GB, 25000 sequence items 7 s), so at most 16000 pass. Strings, template text, comments and regular expressions are
// skipped as esbuild's lexer skips them; where a "/" or "<" could be read
// two ways, both readings are scanned and the deeper one counts.
func Nesting(src []byte, syn Syntax, limit int) (depth, line int, unsure bool) {
	b := &budget{guess: 8*len(src) + 1<<20}
	s := &nestScanner{src: src, syn: syn, line: 1, limit: limit * unit, budget: b}
	s.frames = []frame{{kind: kindFile}}
	s.run()
	return (s.max + unit - 1) / unit, s.maxLine, s.unsure
}

// Units of depth: a level is 16; binary operators and sequence commas
// weigh less.
const (
	unit        = 16
	binaryCost  = 2
	commaCost   = 2
	maxForks    = 32
	kindFile    = 0
	kindParen   = '('
	kindBracket = '['
	kindBrace   = '{'
	kindSubst   = '$' // ${ } in a template literal
	kindElem    = '<' // a JSX element
	kindAttr    = 'a' // { } inside a JSX tag
	kindChild   = 'c' // { } among a JSX element's children
)

// budget bounds the work of one check, shared by all its readings: the
// second readings of the rest of the file (forks), and the bytes read
// ahead to see whether a "/" starts a regular expression that ends on its
// line (guess).
type budget struct {
	forks, guess int
}

// frame is one open bracket, with what is counted at its level.
type frame struct {
	kind byte
	// base is the depth at which the frame opened, itself included.
	base int
	// tight counts the links of a unary or member chain (!a, a.b(c)[d]),
	// which a binary operator ends; loose the links that last to the end
	// of the expression (a=b=…, a?b:c?…, x=>y=>…); stmt the statement
	// prefixes (if, else, while, …); weak the binary operators and
	// sequence commas. All in units.
	tight, loose, stmt, weak int
	// openQ counts "?" whose ":" is still to come.
	openQ int
	// list: commas separate items (arrays, arguments, object literals);
	// decl: they separate declarations (var, let, const) until the
	// statement ends.
	list, decl bool
	// body says what a "{" opened: a block or a declaration's body (its
	// end ends a statement), an expression's body, or an object literal.
	body byte
	// stmtParen: the "(" of if, while, for or with: a statement follows.
	stmtParen bool
	// phantom: opened inside what may be a regular expression.
	phantom bool
	// stmtEnd: a statement ended; stmt resets unless "else" follows.
	stmtEnd bool
	// selfClosing: a JSX tag read "/" and expects ">".
	selfClosing bool
}

// What a "{" opened (frame.body).
const (
	bodyBlock  = 'b'
	bodyExpr   = 'e'
	bodyObject = 'o'
)

// prev is what the previous token allows next.
type prevKind uint8

const (
	pExpr      prevKind = iota // an expression may start: "/" is a regex, "<" may open JSX
	pOperand                   // an operand ended: "/" divides, "<" compares
	pParen                     // ")" of a parenthesized expression or call
	pStmtParen                 // ")" of if/while/for/with: a statement follows
	pAmbig                     // "}", yield: either may follow, and an operand may have ended
	pAmbigOp                   // await, as, of, TypeScript's ">", …: either may follow, no operand ended
	pDot                       // "." or "?.": a word is a property name
)

type scanMode uint8

const (
	modeCode scanMode = iota
	modeTemplate
	modeTag      // inside a JSX tag: attributes
	modeChildren // a JSX element's children
)

type nestScanner struct {
	src    []byte
	syn    Syntax
	i      int
	line   int
	frames []frame
	// open counts the open frames of each kind, so that a closer with
	// nothing to close costs nothing.
	open [256]int32
	mode scanMode
	prev prevKind
	// nl: a line terminator since the previous token; tokNL: one came
	// before the token being read.
	nl, tokNL bool
	// kw is set when the previous token is if, while or with ('k') or
	// for ('f'); lastWord classifies the previous token when it is a
	// word, lastPunct is the previous token when it is punctuation.
	kw, lastWord, lastPunct byte
	// fn is set from function or class to the "{" of its body: bodyBlock
	// for a declaration, bodyExpr for an expression.
	fn byte
	// colonTernary: the last ":" ended a "?".
	colonTernary bool
	// low is the fewest frames open since it was last set (mergeSlash).
	low     int
	limit   int
	max     int
	maxLine int
	budget  *budget
	unsure  bool
	done    bool
}

func (s *nestScanner) top() *frame { return &s.frames[len(s.frames)-1] }

func (s *nestScanner) depth() int {
	f := s.top()
	return f.base + f.tight + f.loose + f.stmt + f.weak
}

// note records the current depth and stops the scan past the limit.
func (s *nestScanner) note() {
	if d := s.depth(); d > s.max {
		s.max, s.maxLine = d, s.line
		if d > s.limit {
			s.done = true
		}
	}
}

// addTight adds a link to a unary or member chain.
func (s *nestScanner) addTight() { s.top().tight += unit; s.note() }

// addLoose adds a link that nests the rest of the expression: the unary
// chain before it is complete.
func (s *nestScanner) addLoose() {
	f := s.top()
	f.tight = 0
	f.loose += unit
	s.note()
}

// addBinary counts a binary operator (or sequence comma): the unary chain
// before it is complete.
func (s *nestScanner) addBinary(n int) {
	f := s.top()
	f.tight = 0
	f.weak += n
	s.note()
}

func (s *nestScanner) addStmt() { s.top().stmt += unit; s.note() }

func (s *nestScanner) push(kind byte, list bool) {
	s.frames = append(s.frames, frame{kind: kind, base: s.depth() + unit, list: list})
	s.open[kind]++
	s.note()
}

// pop closes the innermost frame of one of kinds, and any left open
// inside it (esbuild would have stopped with a syntax error there); a
// closer with no frame to close is ignored. It reports the closed frame,
// phantom when any frame it closed was.
func (s *nestScanner) pop(kinds string) (frame, bool) {
	if n := len(s.frames) - 1; n > 0 && s.frames[n].kind == kinds[0] && !s.frames[n].phantom {
		f := s.frames[n]
		s.open[f.kind]--
		s.frames = s.frames[:n]
		s.low = min(s.low, n)
		return f, true
	}
	any := false
	for k := 0; k < len(kinds); k++ {
		any = any || s.open[kinds[k]] > 0
	}
	if !any {
		return frame{}, false
	}
	for j := len(s.frames) - 1; j > 0; j-- {
		g := s.frames[j]
		for k := 0; k < len(kinds); k++ {
			if g.kind == kinds[k] {
				f := g
				for _, h := range s.frames[j:] {
					f.phantom = f.phantom || h.phantom
					s.open[h.kind]--
				}
				s.frames = s.frames[:j]
				s.low = min(s.low, j)
				return f, true
			}
		}
	}
	return frame{}, false
}

// endStatement resets the expression chains at this level; the statement
// chain resets at the next token unless it is "else".
func (s *nestScanner) endStatement() {
	f := s.top()
	f.tight, f.loose, f.weak, f.openQ, f.decl = 0, 0, 0, 0, false
	f.stmtEnd = true
	s.fn = 0 // a function without a body (a TypeScript overload, declare)
}

// operandBefore: the previous token ended an operand, so a word after a
// line break starts a new statement (automatic semicolon insertion).
func (s *nestScanner) operandBefore() bool {
	return s.prev == pOperand || s.prev == pParen || s.prev == pAmbig
}

// callable: a "(", "[" or "`" here is a call, index or tag.
func (s *nestScanner) callable() bool {
	return s.prev == pOperand || s.prev == pParen || s.prev == pAmbig
}

func (s *nestScanner) run() {
	for !s.done && s.i < len(s.src) {
		switch s.mode {
		case modeCode:
			switch s.src[s.i] {
			case ' ', '\t':
				s.i++
			case '\n':
				s.line++
				s.nl = true
				s.i++
			default:
				s.code()
			}
		case modeTemplate:
			s.templateText()
		case modeTag:
			s.jsxTag()
		case modeChildren:
			s.jsxChildren()
		}
	}
}

// clone copies the scanner for a second reading of the rest of the file.
func (s *nestScanner) clone() *nestScanner {
	c := *s
	c.frames = append([]frame(nil), s.frames...)
	return &c
}

// fork scans the rest of the file a second way (alt prepares it) and
// keeps the deeper result; past maxForks the file is refused as unsure.
func (s *nestScanner) fork(alt func(*nestScanner)) {
	if s.budget.forks >= maxForks {
		s.giveUp()
		return
	}
	s.budget.forks++
	c := s.clone()
	alt(c)
	c.run()
	s.absorb(c)
}

// giveUp refuses the file as unsure: it needs more readings than
// maxForks.
func (s *nestScanner) giveUp() {
	s.unsure, s.done = true, true
	s.maxLine = s.line
}

// absorb keeps the deeper of two readings.
func (s *nestScanner) absorb(c *nestScanner) {
	if c.max > s.max {
		s.max, s.maxLine = c.max, c.maxLine
	}
	if c.unsure || c.max > s.limit {
		s.unsure = s.unsure || c.unsure
		if c.unsure {
			s.maxLine = c.maxLine
		}
		s.done = true
	}
}

// exprStart says whether an expression may start here: 1 yes, 0 no, -1
// it depends on context zisi does not track.
func (s *nestScanner) exprStart() int {
	switch s.prev {
	case pExpr, pStmtParen:
		return 1
	case pOperand, pParen:
		if s.tokNL {
			return -1 // `let x\n/re/`, `return\n/re/`: a new statement may start
		}
		return 0
	case pDot:
		return 0
	}
	return -1
}

// Classes of words for lastWord.
const (
	wordNone    = 0
	wordOther   = 'o'
	wordBlock   = 'b' // else, do, try, finally: a block follows
	wordExtends = 'e'
	wordPrefix  = 'p' // export, default, async, declare: a declaration may follow
)

// token runs before every token: the pending statement reset. It
// returns the if/while/for/with keyword just before (kw), if any.
func (s *nestScanner) token(isElse bool) byte {
	f := s.top()
	if f.stmtEnd {
		if !isElse {
			f.stmt = 0
		}
		f.stmtEnd = false
	}
	kw := s.kw
	s.kw = 0
	return kw
}

func (s *nestScanner) newline() {
	if s.src[s.i] == '\n' {
		s.line++
	}
	s.nl = true
}

// lineEnd reports the length of a line terminator at i (\r, \n, U+2028,
// U+2029), or 0.
func lineEnd(src []byte, i int) int {
	switch src[i] {
	case '\n', '\r':
		return 1
	case 0xE2:
		if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9) {
			return 3
		}
	}
	return 0
}

// space reports the length of whitespace esbuild skips at i (not line
// terminators), or 0.
func space(src []byte, i int) int {
	switch src[i] {
	case ' ', '\t', '\v', '\f':
		return 1
	}
	if src[i] < utf8.RuneSelf {
		return 0
	}
	r, n := utf8.DecodeRune(src[i:])
	switch {
	case r == 0xA0, r == 0xFEFF, r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000:
		return n
	}
	return 0
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '\\' || c >= utf8.RuneSelf ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (s *nestScanner) at(off int) byte {
	if s.i+off < len(s.src) {
		return s.src[s.i+off]
	}
	return 0
}

// skipLine moves to the next line terminator (line comments).
func (s *nestScanner) skipLine() {
	for s.i < len(s.src) && lineEnd(s.src, s.i) == 0 {
		s.i++
	}
}

// skipBlockComment skips /* … */ (s.i at the "/").
func (s *nestScanner) skipBlockComment() {
	s.i += 2
	for s.i < len(s.src) {
		if s.src[s.i] == '*' && s.at(1) == '/' {
			s.i += 2
			return
		}
		if n := lineEnd(s.src, s.i); n > 0 {
			s.newline()
			s.i += n
			continue
		}
		s.i++
	}
}

// skipString skips a quoted string (s.i at the quote). A line break ends
// it: esbuild stops there with "Unterminated string literal" (CSS reads
// on, as a bad string).
func (s *nestScanner) skipString() {
	q := s.src[s.i]
	s.i++
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == q:
			s.i++
			return
		case c == '\\':
			s.i++
			if s.i < len(s.src) {
				if s.src[s.i] == '\r' && s.at(1) == '\n' {
					s.i++
				}
				if s.src[s.i] == '\n' {
					s.line++
				}
				s.i++
			}
			continue
		case c == '\n' || c == '\r':
			return
		}
		s.i++
	}
}
