package source

import "bytes"

// slash reads "/" in code: a division or a regular expression. Where the
// context does not tell (after "}", yield, await, a line break, …) a
// regular expression whose body holds nothing that would change how the
// rest of the line reads is counted both ways at once (mergeSlash);
// otherwise both readings of the rest of the file are scanned.
func (s *nestScanner) slash() {
	if s.syn == SyntaxJSON {
		s.divide()
		return
	}
	switch s.exprStart() {
	case 1:
		s.regex()
	case 0:
		s.divide()
	default:
		end := s.regexEnd()
		switch {
		case end < 0:
			s.divide() // no regular expression ends on this line
		case !bytes.ContainsAny(s.src[s.i+1:end-1], "'\"`/}<"):
			s.mergeSlash(end)
		default:
			s.fork(func(c *nestScanner) { c.divide() })
			if !s.done {
				s.regex()
			}
		}
	}
}

func (s *nestScanner) divide() {
	s.i++
	if s.at(0) == '=' {
		s.i++
		s.addLoose()
	} else {
		s.addBinary(binaryCost)
	}
	s.prev = pExpr
}

// regex skips a regular expression literal and its flags. One that does
// not end on its line is read as a division instead: esbuild would stop
// there, and reading on as code counts more.
func (s *nestScanner) regex() {
	end := s.regexEnd()
	if end < 0 {
		s.divide()
		return
	}
	s.i = end
	for s.i < len(s.src) && isWordByte(s.src[s.i]) && s.src[s.i] != '\\' {
		s.i++
	}
	s.prev = pOperand
}

// regexEnd returns the index past the "/" closing the regular expression
// that starts at s.i, or -1 when a line ends first (as esbuild's
// ScanRegExp reads it: escapes, and "/" inside classes). What it reads
// without finding one comes out of the budget: past it the file is
// refused as unsure (which reading "/(/(/(…" forever would be).
func (s *nestScanner) regexEnd() int {
	src, inClass := s.src, false
	for j := s.i + 1; j < len(src); j++ {
		if lineEnd(src, j) > 0 {
			return s.noRegex(j)
		}
		switch src[j] {
		case '\\':
			j++
			if j < len(src) && lineEnd(src, j) > 0 {
				return s.noRegex(j)
			}
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if !inClass {
				return j + 1
			}
		}
	}
	return s.noRegex(len(src))
}

func (s *nestScanner) noRegex(j int) int {
	if s.budget.guess -= j - s.i; s.budget.guess < 0 {
		s.giveUp()
	}
	return -1
}

// mergeSlash reads an ambiguous "/" whose candidate regular expression
// ends at end and holds no quote, backquote, "/", "}" or "<": past end
// both readings are in code at the same place. The division reading is
// scanned over the body (on a copy of the innermost frame only: a closer
// that would close more is ignored, which counts more), and the frames it
// left open are kept, as phantoms, on top of the regular expression
// reading's, so what follows counts at least as deep as either reading.
func (s *nestScanner) mergeSlash(end int) {
	c := *s
	c.frames = []frame{{kind: kindFile, base: s.top().base - unit}, *s.top()}
	c.open = [256]int32{}
	c.open[s.top().kind]++
	c.low = len(c.frames)
	c.divide()
	for !c.done && c.i < end-1 {
		c.code()
	}
	if c.max > s.max {
		s.max, s.maxLine = c.max, c.maxLine
	}
	if c.done {
		s.done = true
		return
	}
	added := c.frames[1:]
	if c.low >= 2 {
		f, g := s.top(), &c.frames[1]
		f.tight, f.loose = max(f.tight, g.tight), max(f.loose, g.loose)
		f.stmt, f.weak = max(f.stmt, g.stmt), max(f.weak, g.weak)
		added = c.frames[2:]
	}
	for _, g := range added {
		g.base = s.depth() + unit
		g.phantom = true
		s.frames = append(s.frames, g)
		s.open[g.kind]++
	}
	s.note()
	s.regex()
}

// less reads "<": a comparison, a shift, TypeScript type arguments, or in
// JSX files the start of an element.
func (s *nestScanner) less() {
	if s.syn != SyntaxJSX && s.syn != SyntaxTSX {
		s.lessThan()
		return
	}
	switch s.exprStart() {
	case 1:
		if !s.typeParams() {
			s.openElement()
			return
		}
	case -1:
		if n := s.at(1); isWordByte(n) || n == '>' {
			s.fork(func(c *nestScanner) { c.lessThan() })
			if !s.done {
				s.openElement()
			}
			return
		}
	}
	s.lessThan()
}

func (s *nestScanner) lessThan() {
	s.i++
	if s.at(0) == '<' {
		s.i++
	}
	if s.at(0) == '=' {
		s.i++
	}
	s.addBinary(binaryCost)
	s.prev = pExpr
}

// typeParams: in a .tsx file, "<T,>" and "<T extends …>" (and "<const
// T") open an arrow function's type parameters, not JSX, as esbuild reads
// them.
func (s *nestScanner) typeParams() bool {
	if s.syn != SyntaxTSX {
		return false
	}
	rest := s.src[s.i+1:]
	word := func() []byte {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		n := 0
		for n < len(rest) && isWordByte(rest[n]) {
			n++
		}
		w := rest[:n]
		rest = rest[n:]
		return w
	}
	w := word()
	if string(w) == "const" {
		return true
	}
	if len(w) == 0 {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(rest) > 0 && rest[0] == ',' || string(word()) == "extends"
}

// openElement reads the "<" of a JSX element: a level, then its tag.
func (s *nestScanner) openElement() {
	s.i++
	s.push(kindElem, true)
	s.mode = modeTag
}

// jsxTag reads one piece of a JSX tag: its name, attributes, attribute
// strings (which may span lines and have no escapes), "{…}" expressions,
// and the "/>" or ">" that ends it.
func (s *nestScanner) jsxTag() {
	src, c := s.src, s.src[s.i]
	if n := lineEnd(src, s.i); n > 0 {
		s.newline()
		s.i += n
		return
	}
	switch {
	case c == '/' && s.at(1) == '/':
		s.skipLine()
	case c == '/' && s.at(1) == '*':
		s.skipBlockComment()
	case c == '/':
		s.i++
		s.top().selfClosing = true
	case c == '>':
		s.i++
		if s.top().selfClosing {
			s.closeElement()
		} else {
			s.mode = modeChildren
		}
	case c == '{':
		s.i++
		s.push(kindAttr, false)
		s.mode = modeCode
		s.prev = pExpr
	case c == '"' || c == '\'':
		end := bytes.IndexByte(src[s.i+1:], c)
		if end < 0 {
			s.i = len(src)
			return
		}
		s.line += bytes.Count(src[s.i:s.i+1+end], []byte("\n"))
		s.i += end + 2
	default:
		s.i++
	}
}

// jsxChildren reads a JSX element's children: text, "{…}" expressions,
// child elements and the closing tag.
func (s *nestScanner) jsxChildren() {
	src := s.src
	for s.i < len(src) {
		switch src[s.i] {
		case '{':
			s.i++
			s.push(kindChild, false)
			s.mode = modeCode
			s.prev = pExpr
			return
		case '<':
			rest := bytes.TrimLeft(src[s.i+1:], " \t\r\n")
			if len(rest) > 0 && rest[0] == '/' {
				end := bytes.IndexByte(src[s.i:], '>')
				if end < 0 {
					s.i = len(src)
					return
				}
				s.line += bytes.Count(src[s.i:s.i+end], []byte("\n"))
				s.i += end + 1
				s.closeElement()
				return
			}
			s.openElement()
			return
		case '\n':
			s.line++
		}
		s.i++
	}
}

// closeElement ends a JSX element: back to its parent's children, or to
// code.
func (s *nestScanner) closeElement() {
	s.pop("<")
	if s.top().kind == kindElem {
		s.mode = modeChildren
		return
	}
	s.mode = modeCode
	s.prev = pOperand
	s.nl = false
}
