package node

// ESM declarations for quickScan: import and export declarations are read
// to their specifier with the lexer alone, and must stand at the top
// level, as they must for esbuild.

// importMeta reads ".meta" after import.
func (s *qscan) importMeta() bool {
	if !s.next() || !s.isPunct(".") || !s.next() || !s.isWord("meta") {
		return s.refuse("an import that is not a declaration, import() or import.meta")
	}
	s.res.esmSyntax = true
	s.prev = prevOperand
	return true
}

// importDecl reads an import declaration after its import: a specifier
// alone, or a default binding, a namespace or named bindings, and from.
func (s *qscan) importDecl() bool {
	if !s.declStart() {
		return false
	}
	s.res.importStmt = true
	if !s.next() {
		return false
	}
	if s.tok == qString {
		return s.declSpecifier()
	}
	if s.tok == qWord { // a default binding, perhaps followed by more
		if !s.binding() || !s.next() {
			return false
		}
		if !s.isPunct(",") {
			return s.fromClause()
		}
		if !s.next() {
			return false
		}
	}
	switch {
	case s.isPunct("*"):
		if !s.next() || !s.isWord("as") || !s.next() || s.tok != qWord || !s.binding() || !s.next() {
			return s.refuse("an import declaration quickScan does not read")
		}
	case s.tok == qOpen && s.text[0] == '{':
		if !s.namedList() || !s.next() {
			return false
		}
	default:
		return s.refuse("an import declaration quickScan does not read")
	}
	return s.fromClause()
}

// exportDecl reads an export declaration after its export: re-exports to
// their specifier, the others (export default, export const …) left to
// the ordinary reading of what follows.
func (s *qscan) exportDecl() bool {
	if !s.declStart() {
		return false
	}
	s.res.esmSyntax = true
	back := s.i
	if !s.next() {
		return false
	}
	switch {
	case s.isPunct("*"): // export * [as name] from "…"
		if !s.next() {
			return false
		}
		if s.isWord("as") {
			if !s.next() || s.tok != qWord && s.tok != qString || !s.next() {
				return s.refuse("an export declaration quickScan does not read")
			}
		}
		return s.fromClause()
	case s.tok == qOpen && s.text[0] == '{': // export { … } [from "…"]
		if !s.namedList() {
			return false
		}
		back = s.i
		if s.next() && s.isWord("from") {
			return s.fromClause()
		}
		s.i = back // the declaration ended: read what follows as usual
		s.prev = prevUnsure
		return s.why == ""
	}
	// export default …, export const …: a declaration or an expression.
	s.i = back
	s.prev = prevStart
	return true
}

// declStart checks that a declaration stands at the top level and starts
// a statement there.
func (s *qscan) declStart() bool {
	if len(s.frames) > 0 {
		return s.refuse("an import or export declaration inside brackets")
	}
	s.pendingCond, s.level.stmtCond = false, false
	return true
}

// namedList reads { name [as name], … } from its "{" to its "}".
func (s *qscan) namedList() bool {
	for {
		if !s.next() {
			return false
		}
		if s.tok == qClose && s.text[0] == '}' {
			return true
		}
		if s.tok != qWord && s.tok != qString || !s.binding() || !s.next() {
			return s.refuse("a list of names quickScan does not read")
		}
		if s.isWord("as") {
			if !s.next() || s.tok != qWord && s.tok != qString || !s.binding() || !s.next() {
				return s.refuse("a list of names quickScan does not read")
			}
		}
		switch {
		case s.tok == qClose && s.text[0] == '}':
			return true
		case !s.isPunct(","):
			return s.refuse("a list of names quickScan does not read")
		}
	}
}

// binding checks a name a declaration lists, which may bind it: an import
// that binds require makes its calls calls of the import, not of the
// global require esbuild follows. (Names an export lists are checked too,
// which only gives up on a few more files.)
func (s *qscan) binding() bool {
	return !s.isWord("require") || s.refuse("a require bound by an import declaration")
}

// fromClause reads from "…" at the current token.
func (s *qscan) fromClause() bool {
	if !s.isWord("from") || !s.next() || s.tok != qString {
		return s.refuse("a declaration without from and a string")
	}
	return s.declSpecifier()
}

// declSpecifier records the declaration's specifier, the current token.
func (s *qscan) declSpecifier() bool {
	if s.escaped {
		return s.refuse("a specifier with escapes")
	}
	spec, ok := s.specifier()
	if !ok {
		return false
	}
	s.res.imports = append(s.res.imports, Import{Specifier: spec, Kind: KindImport})
	// The statement ends here; a "/" after it is left to esbuild.
	s.prev = prevUnsure
	return true
}

// next reads the next token of a declaration, where no regular
// expression can start.
func (s *qscan) next() bool {
	s.prev = prevOperand
	return s.lex()
}

func (s *qscan) isPunct(p string) bool { return s.tok == qPunct && string(s.text) == p }
func (s *qscan) isWord(w string) bool  { return s.tok == qWord && string(s.text) == w }
