package source

import "bytes"

// code reads one token of code (or skips whitespace or a comment) and
// counts what it opens, closes or chains. A flat switch on the first
// byte, as esbuild's lexer is.
func (s *nestScanner) code() {
	src, c := s.src, s.src[s.i]
	switch {
	case c == '\r' || c == '\n':
		s.newline()
		s.i++
		return
	case c == '\v' || c == '\f':
		s.i++
		return
	case c >= 0x80:
		if n := lineEnd(src, s.i); n > 0 {
			s.newline()
			s.i += n
			return
		}
		if n := space(src, s.i); n > 0 {
			s.i += n
			return
		}
	}
	if s.syn == SyntaxCSS {
		s.css()
		return
	}
	switch {
	case c == '/' && s.at(1) == '/':
		s.skipLine()
		return
	case c == '/' && s.at(1) == '*':
		s.skipBlockComment()
		return
	case c == '#' && s.i == 0 && s.at(1) == '!':
		s.skipLine() // hashbang
		return
	case c == '<' && bytes.HasPrefix(src[s.i:], []byte("<!--")):
		s.skipLine() // a legacy HTML comment, as esbuild reads it
		return
	case c == '-' && s.nl && bytes.HasPrefix(src[s.i:], []byte("-->")):
		s.skipLine()
		return
	}
	if isWordByte(c) && !(c >= '0' && c <= '9') {
		s.word()
		return
	}
	kw := s.token(false)
	lastWord, lastPunct := s.lastWord, s.lastPunct
	s.lastWord, s.lastPunct = wordNone, c
	asiBefore := s.nl && s.operandBefore()
	s.tokNL, s.nl = s.nl, false
	switch c {
	case '(':
		s.i++
		call := s.callable() && s.fn == 0
		if call {
			s.addTight()
		}
		s.push(kindParen, call)
		s.top().stmtParen = kw != 0
		s.prev = pExpr
	case '[':
		s.i++
		if s.callable() {
			s.addTight()
		}
		s.push(kindBracket, true)
		s.prev = pExpr
	case '{':
		s.i++
		body := s.braceBody(lastWord, lastPunct)
		s.push(kindBrace, body == bodyObject)
		s.top().body = body
		s.prev = pExpr
	case ')':
		s.i++
		f, _ := s.pop("(")
		switch {
		case f.phantom:
			s.prev = pAmbig
		case f.stmtParen:
			s.prev = pStmtParen
		default:
			s.prev = pParen
		}
	case ']':
		s.i++
		s.pop("[")
		s.prev = pOperand
	case '}':
		s.i++
		s.closeBrace()
	case '\'', '"':
		if asiBefore {
			s.endStatement()
			s.token(false)
		}
		s.skipString()
		s.prev = pOperand
	case '`':
		s.i++
		if s.callable() {
			s.addTight() // a tagged template
		}
		s.mode = modeTemplate
	case ';':
		s.i++
		s.endStatement()
		s.prev = pExpr
	case ',':
		s.i++
		f := s.top()
		f.tight, f.loose, f.openQ = 0, 0, 0
		if !f.list && !f.decl && s.syn != SyntaxJSON {
			s.addBinary(commaCost)
		}
		s.prev = pExpr
	case '/':
		s.slash()
	case '<':
		s.less()
	default:
		if c >= '0' && c <= '9' || c == '.' && s.at(1) >= '0' && s.at(1) <= '9' {
			if asiBefore {
				s.endStatement()
				s.token(false)
			}
			s.number()
			return
		}
		s.punct(asiBefore)
	}
}

// braceBody says what a "{" opens, from the token before it: the body of
// the function or class keyword seen last, an arrow function's body, a
// block, or an object literal (whose commas separate properties).
func (s *nestScanner) braceBody(lastWord, lastPunct byte) byte {
	if s.fn != 0 && lastPunct != ':' && lastPunct != '<' && lastPunct != ',' && lastPunct != '=' && lastPunct != '|' && lastPunct != '&' && lastWord != wordExtends {
		body := s.fn
		s.fn = 0
		return body
	}
	switch lastWord {
	case wordNone:
	case wordBlock:
		return bodyBlock
	default:
		return bodyObject // return {…}, export default {…}, interface X {…}, …
	}
	switch lastPunct {
	case 0, ';', '{', '}', ')':
		return bodyBlock
	case '>':
		if s.i >= 3 && s.src[s.i-2] == '=' || s.i >= 3 && bytes.HasSuffix(bytes.TrimRight(s.src[:s.i-1], " \t\r\n"), []byte("=>")) {
			return bodyExpr
		}
	case ':':
		if !s.colonTernary && s.top().body != bodyObject {
			return bodyBlock // a label's or a case's block
		}
	}
	return bodyObject
}

// closeBrace ends a block, object literal, template substitution or JSX
// expression container.
func (s *nestScanner) closeBrace() {
	f, ok := s.pop("{$ac")
	if !ok {
		s.prev = pAmbig
		return
	}
	switch f.kind {
	case kindSubst:
		s.mode = modeTemplate
		return
	case kindAttr:
		s.mode = modeTag
		return
	case kindChild:
		s.mode = modeChildren
		return
	}
	// After a block a statement ends, after an object literal or a
	// function expression an operand does.
	s.prev = pAmbig
	if f.body == bodyBlock && !f.phantom {
		s.endStatement()
	}
}

// number skips a numeric literal.
func (s *nestScanner) number() {
	for s.i < len(s.src) {
		c := s.src[s.i]
		if c < 0x80 && c != '\\' && isWordByte(c) || c == '.' {
			s.i++
			if (c == 'e' || c == 'E') && (s.at(0) == '+' || s.at(0) == '-') {
				s.i++
			}
			continue
		}
		break
	}
	s.prev = pOperand
}

// word reads an identifier or keyword.
func (s *nestScanner) word() {
	start := s.i
	for s.i < len(s.src) {
		c := s.src[s.i]
		if c >= 0x80 && (lineEnd(s.src, s.i) > 0 || space(s.src, s.i) > 0) || !isWordByte(c) {
			break
		}
		s.i++
	}
	w := s.src[start:s.i]
	if s.prev == pDot {
		s.token(false)
		s.nl = false
		s.lastWord, s.lastPunct = wordNone, 0
		s.prev = pOperand
		return
	}
	if s.nl && s.operandBefore() && !continuesExpr[string(w)] {
		s.endStatement() // automatic semicolon insertion
	}
	stmtStart := s.prev == pExpr && (s.lastPunct == 0 || s.lastPunct == ';' || s.lastPunct == '{' || s.lastPunct == '}') ||
		s.prev == pStmtParen || s.prev == pAmbig && s.lastPunct == '}' || s.top().stmtEnd || s.lastWord == wordPrefix
	kw := s.token(string(w) == "else")
	s.nl = false
	s.lastPunct = 0
	s.keyword(w, kw, stmtStart)
}

// continuesExpr are the words that continue an expression (or a type)
// after a line break, so no semicolon is inserted before them.
var continuesExpr = map[string]bool{
	"in": true, "instanceof": true, "of": true, "as": true, "satisfies": true,
	"extends": true, "implements": true, "is": true, "keyof": true,
}

// keyword applies a word's effect on the chains; kw is the if, while,
// for or with just before it; stmtStart says a statement may start here.
func (s *nestScanner) keyword(w []byte, kw byte, stmtStart bool) {
	s.lastWord = wordOther
	switch string(w) {
	case "if", "while", "with":
		s.addStmt()
		s.kw = 'k'
		s.prev = pExpr
	case "for":
		s.addStmt()
		s.kw = 'f'
		s.prev = pExpr
	case "else", "do":
		s.addStmt()
		s.lastWord = wordBlock
		s.prev = pExpr
	case "try", "finally":
		s.lastWord = wordBlock
		s.prev = pExpr
	case "case", "default":
		f := s.top()
		f.tight, f.loose, f.weak, f.stmt, f.openQ = 0, 0, 0, 0, 0
		s.lastWord = wordPrefix
		s.prev = pExpr
	case "export", "declare":
		s.lastWord = wordPrefix
		s.prev = pExpr
	case "var", "let", "const":
		s.top().decl = true
		s.prev = pAmbigOp
	case "function", "class":
		s.fn = bodyExpr
		if stmtStart {
			s.fn = bodyBlock
		}
		s.prev = pExpr
	case "typeof", "void", "delete", "new":
		s.addTight()
		s.prev = pExpr
	case "yield":
		s.addLoose()
		s.prev = pAmbig
	case "await", "as", "satisfies":
		s.addTight()
		s.prev = pAmbigOp
		if kw == 'f' {
			s.kw = kw // for await (…)
		}
	case "keyof", "infer", "readonly", "unique":
		if s.syn == SyntaxTS || s.syn == SyntaxTSX {
			s.addTight()
		}
		s.prev = pAmbigOp
	case "extends":
		s.lastWord = wordExtends
		s.prev = pExpr
	case "return", "throw":
		s.prev = pExpr
	case "in", "instanceof":
		s.addBinary(binaryCost)
		s.prev = pExpr
	case "async":
		s.lastWord = wordPrefix
		s.prev = pAmbigOp
	case "of", "get", "set", "static", "type":
		s.prev = pAmbigOp
	default:
		s.prev = pOperand
	}
}

// punct reads an operator.
func (s *nestScanner) punct(asiBefore bool) {
	c, next := s.src[s.i], s.at(1)
	switch c {
	case '.':
		if next == '.' && s.at(2) == '.' {
			s.i += 3
			s.addLoose() // a spread takes a whole expression
			s.prev = pExpr
			return
		}
		s.i++
		s.addTight()
		s.prev = pDot
	case '?':
		s.question()
	case ':':
		s.i++
		s.colonTernary = false
		if f := s.top(); f.openQ > 0 {
			f.openQ--
			f.tight = 0
			s.colonTernary = true
		} else {
			s.addLoose() // labels, keys, type annotations
		}
		s.prev = pExpr
	case '=':
		switch {
		case next == '>':
			s.i += 2
			s.addLoose()
		case next == '=':
			s.i += 2
			if s.at(0) == '=' {
				s.i++
			}
			s.addBinary(binaryCost)
		default:
			s.i++
			s.addLoose()
		}
		s.prev = pExpr
	case '!':
		if next == '=' {
			s.i += 2
			if s.at(0) == '=' {
				s.i++
			}
			s.addBinary(binaryCost)
			s.prev = pExpr
			return
		}
		s.i++
		s.addTight()
		if s.prev != pOperand && s.prev != pParen {
			s.prev = pExpr
		} // else a TypeScript non-null assertion: still an operand
	case '+', '-':
		s.plusMinus(asiBefore)
	case '>':
		n := 1
		for n < 3 && s.at(n) == '>' {
			n++
		}
		s.i += n
		if s.at(0) == '=' {
			s.i++
		}
		s.addBinary(binaryCost)
		s.prev = pExpr
		if s.syn == SyntaxTS || s.syn == SyntaxTSX {
			s.prev = pAmbigOp // the end of type arguments: an operand may have ended
		}
	case '*', '%', '&', '|', '^':
		n := 1
		if next == c && c != '%' && c != '^' {
			n = 2
		}
		s.i += n
		switch {
		case s.at(0) == '=':
			s.i++
			s.addLoose() // a compound assignment
		case c == '*' && n == 2:
			s.addTight() // ** is right-associative
		default:
			s.addBinary(binaryCost)
		}
		s.prev = pExpr
	case '~':
		s.i++
		s.addTight()
		s.prev = pExpr
	case '#':
		s.i++
		for s.i < len(s.src) && isWordByte(s.src[s.i]) {
			s.i++
		}
		s.prev = pOperand
	default: // "@" and stray bytes (esbuild stops at those)
		s.i++
		s.prev = pExpr
	}
}

func (s *nestScanner) question() {
	next := s.at(1)
	switch {
	case next == '.' && !(s.at(2) >= '0' && s.at(2) <= '9'):
		s.i += 2
		s.addTight()
		s.prev = pDot
		return
	case next == '?' && s.at(2) == '=':
		s.i += 3
		s.addLoose()
	case next == '?':
		s.i += 2
		s.addBinary(binaryCost)
	default:
		s.i++
		s.top().openQ++
		s.addLoose()
	}
	s.prev = pExpr
}

func (s *nestScanner) plusMinus(asiBefore bool) {
	c, next := s.src[s.i], s.at(1)
	switch {
	case next == c:
		s.i += 2
		if s.callable() && !asiBefore {
			s.addTight()
			s.prev = pOperand // a++
			return
		}
		if asiBefore {
			s.endStatement() // `a\n++b`: ++ starts the next statement
			s.token(false)
		}
		s.addTight()
		s.prev = pExpr // ++a
	case next == '=':
		s.i += 2
		s.addLoose()
		s.prev = pExpr
	default:
		s.i++
		if s.callable() {
			s.addBinary(binaryCost)
		} else {
			s.addTight() // a prefix + or -
		}
		s.prev = pExpr
	}
}

// css reads one token of CSS: only brackets nest; strings and comments
// are skipped.
func (s *nestScanner) css() {
	switch c := s.src[s.i]; c {
	case '/':
		if s.at(1) == '*' {
			s.skipBlockComment()
			return
		}
	case '\'', '"':
		s.skipString()
		return
	case '\\':
		s.i++ // an escaped character is no bracket
	case '(', '[', '{':
		s.i++
		s.push(c, true)
		return
	case ')':
		s.i++
		s.pop("(")
		return
	case ']':
		s.i++
		s.pop("[")
		return
	case '}':
		s.i++
		s.pop("{")
		return
	}
	s.i++
}

// templateText skips template literal text up to "`" or "${".
func (s *nestScanner) templateText() {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == '`':
			s.i++
			s.mode = modeCode
			s.prev = pOperand
			return
		case c == '\\':
			s.i++
			if s.i < len(s.src) && s.src[s.i] == '\n' {
				s.line++
			}
		case c == '$' && s.at(1) == '{':
			s.i += 2
			s.mode = modeCode
			s.push(kindSubst, false)
			s.prev = pExpr
			return
		case c == '\n':
			s.line++
		}
		s.i++
	}
}
