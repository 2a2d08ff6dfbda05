package source

import (
	"strconv"
	"strings"

	"github.com/zisi-build/zisi/config"
)

// undefined marks a value that is not a literal (an identifier, a call, a
// template literal): the reference extracts it as undefined.
type undefined = config.Undefined

// object is an object literal with its keys in order; methods and
// shorthand properties have undefined values.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// parseValue reads one expression from toks and returns its literal
// value (undefined{} when it is not a literal) and the tokens consumed:
// up to a ',' or a closing bracket at depth 0.
func parseValue(toks []tok) (any, int) {
	if len(toks) == 0 {
		return undefined{}, 0
	}
	t := toks[0]
	var v any = undefined{}
	n := 1
	switch {
	case t.kind == tString:
		if s, err := unquote(t.text); err == nil {
			v = s
		}
	case t.kind == tNumber:
		if f, err := strconv.ParseFloat(strings.ReplaceAll(t.text, "_", ""), 64); err == nil {
			v = f
		}
	case t.kind == tIdent && (t.text == "true" || t.text == "false"):
		v = t.text == "true"
	case t.kind == tIdent && t.text == "null":
		v = nil
	case t.text == "-" && len(toks) > 1 && toks[1].kind == tNumber:
		if f, err := strconv.ParseFloat(toks[1].text, 64); err == nil {
			v, n = -f, 2
		}
	case t.text == "!" && len(toks) > 1 && toks[1].kind == tNumber && (toks[1].text == "0" || toks[1].text == "1"):
		v, n = toks[1].text == "0", 2
	case t.text == "{":
		v, n = parseObject(toks)
	case t.text == "[":
		v, n = parseArray(toks)
	}
	// Anything after the literal (a call, an operator) makes it no literal.
	end := n + skipExpression(toks[n:])
	if end != n {
		return undefined{}, end
	}
	return v, n
}

// skipExpression returns how many tokens to skip to reach ',' or a closing
// bracket at depth 0.
func skipExpression(toks []tok) int {
	depth := 0
	for i, t := range toks {
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return i
			}
			depth--
		case ",":
			if depth == 0 {
				return i
			}
		}
	}
	return len(toks)
}

// matching returns the index of the bracket closing toks[0].
func matching(toks []tok) int {
	depth := 0
	for i, t := range toks {
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(toks) - 1
}

func parseArray(toks []tok) (any, int) {
	end := matching(toks)
	var out []any
	for i := 1; i < end; {
		if toks[i].text == "," {
			i++
			continue
		}
		v, n := parseValue(toks[i:end])
		if n == 0 {
			break
		}
		out = append(out, v)
		i += n
	}
	if out == nil {
		out = []any{}
	}
	return out, end + 1
}

func parseObject(toks []tok) (any, int) {
	end := matching(toks)
	o := &object{vals: map[string]any{}}
	set := func(k string, v any) {
		if _, seen := o.vals[k]; !seen {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = v
	}
	for i := 1; i < end; {
		t := toks[i]
		if t.text == "," {
			i++
			continue
		}
		if t.text == "..." {
			i += 1 + skipExpression(toks[i+1:end])
			continue
		}
		// Modifiers before a method name.
		if t.kind == tIdent && (t.text == "async" || t.text == "get" || t.text == "set") && i+1 < end && toks[i+1].text != ":" && toks[i+1].text != "(" && toks[i+1].text != "," {
			i++
			t = toks[i]
		}
		if t.text == "*" {
			i++
			t = toks[i]
		}
		var key string
		switch t.kind {
		case tIdent:
			key = t.text
		case tString:
			key, _ = unquote(t.text)
		case tNumber:
			key = t.text
		default: // computed key, or something unexpected: always move on
			i += max(1, skipExpression(toks[i:end]))
			continue
		}
		i++
		switch {
		case i < end && toks[i].text == ":":
			v, n := parseValue(toks[i+1 : end])
			set(key, v)
			i += 1 + n
		case i < end && toks[i].text == "(":
			// A method: its parameters, then its body.
			i += matching(toks[i:end]) + 1
			if i < end && toks[i].text == "{" {
				i += matching(toks[i:end]) + 1
			}
			set(key, undefined{})
		default: // shorthand property
			set(key, undefined{})
		}
	}
	return o, end + 1
}

// unquote decodes a JavaScript string literal.
func unquote(s string) (string, error) {
	if strings.HasPrefix(s, "'") {
		s = `"` + strings.ReplaceAll(strings.ReplaceAll(s[1:len(s)-1], `\'`, `'`), `"`, `\"`) + `"`
	}
	return strconv.Unquote(s)
}
