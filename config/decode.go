package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// decodeTOML decodes a TOML document into what toml.Unmarshal makes of it
// for a map[string]any (strings, int64, float64, bool, toml.LocalDate,
// toml.LocalTime, toml.LocalDateTime, time.Time, []any and map[string]any),
// and indexes where each key is defined. It enforces TOML's rules on
// redefinition with maps, where go-toml's decoder scans every table seen
// so far for each key: 20000 [functions."name-N"] sections took 1.5 s.
// Problems are *Error values naming path, with a line and column.
func decodeTOML(path string, data []byte) (map[string]any, *positions, error) {
	d := &tomlDecoder{file: path, data: data, lines: lineStarts(data), pos: newPositions()}
	root := newTable(headerTable, nil, "")
	cur, curPos := root, 0
	d.p.Reset(data)
	for d.p.NextExpression() {
		e := d.p.Expression()
		var err error
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			cur, curPos, err = d.header(root, e)
		case unstable.KeyValue:
			err = d.set(cur, e, curPos)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if err := d.p.Error(); err != nil {
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			line, col := d.lineCol(cap(data) - cap(pe.Highlight))
			return nil, nil, &Error{File: path, Line: line, Column: col, Msg: "syntax error: " + pe.Message}
		}
		return nil, nil, &Error{File: path, Msg: "syntax error: " + err.Error()}
	}
	return root.m, d.pos, nil
}

// tableKind says how a table was made, which decides what may add to it
// (TOML 1.0, "Table" and "Array of Tables").
type tableKind uint8

const (
	// dottedTable is made by a dotted key (a.b = 1 makes a); only dotted
	// keys under the same table add to it, and [a] cannot define it.
	dottedTable tableKind = iota
	// headerTable is made by a [header], or on the way to one ([a.b]
	// makes a); only the first makes it explicit, a second [a] is an error.
	headerTable
	// arrayOfTables is made by [[header]]; each repeat starts an element.
	arrayOfTables
)

// table is one table of the document being decoded.
type table struct {
	kind     tableKind
	explicit bool           // a headerTable defined by its own [header]
	m        map[string]any // its contents; of an arrayOfTables, the last element's
	// subs holds the keys of m that are tables still open to additions
	// (nil until there is one). A key of m missing here is a value (a
	// scalar, an array or an inline table): nothing may add to it.
	subs map[string]*table
	// parent and name give the table's path for error messages.
	parent *table
	name   string
}

func newTable(kind tableKind, parent *table, name string) *table {
	return &table{kind: kind, m: map[string]any{}, parent: parent, name: name}
}

// child returns the sub-table name of t (nil for a value) and whether name
// is defined at all.
func (t *table) child(name string) (*table, bool) {
	v, ok := t.m[name]
	switch v.(type) {
	case map[string]any, []any: // a table, an inline table or an array
		return t.subs[name], true
	}
	return nil, ok
}

func (t *table) add(name string, kind tableKind) *table {
	s := newTable(kind, t, name)
	if t.subs == nil {
		t.subs = map[string]*table{}
	}
	t.subs[name], t.m[name] = s, s.m
	return s
}

// key renders the path of name in t for an error message.
func (t *table) key(name string) string {
	path := []string{name}
	for ; t != nil && t.parent != nil; t = t.parent {
		path = append(path, t.name)
	}
	slices.Reverse(path)
	return FormatKey(path...)
}

type tomlDecoder struct {
	file  string
	data  []byte
	lines []int
	pos   *positions
	p     unstable.Parser
}

// header applies a [table] or [[array table]] header and returns the table
// its key-values go to, with its positions id.
func (d *tomlDecoder) header(root *table, e *unstable.Node) (*table, int, error) {
	t, id := root, 0
	it := e.Key()
	for it.Next() {
		k := it.Node()
		name := string(k.Data)
		id = d.pos.child(id, name)
		s, exists := t.child(name)
		if !it.IsLast() {
			switch {
			case !exists:
				s = t.add(name, headerTable)
			case s == nil:
				return nil, 0, d.errorf(k, "%s is a value, it cannot hold a table", t.key(name))
			}
			t = s
			continue
		}
		d.define(id, firstKey(e))
		if e.Kind == unstable.ArrayTable {
			switch {
			case !exists:
				s = t.add(name, arrayOfTables)
				t.m[name] = []any{s.m}
			case s == nil || s.kind != arrayOfTables:
				return nil, 0, d.errorf(k, "%s is already defined, not as an array of tables", t.key(name))
			default:
				s.m, s.subs = map[string]any{}, nil
				t.m[name] = append(t.m[name].([]any), s.m)
			}
			return s, id, nil
		}
		switch {
		case !exists:
			s = t.add(name, headerTable)
		case s == nil:
			return nil, 0, d.errorf(k, "%s is already defined as a value", t.key(name))
		case s.kind == dottedTable:
			return nil, 0, d.errorf(k, "table %s is already defined by a dotted key", t.key(name))
		case s.kind == arrayOfTables:
			return nil, 0, d.errorf(k, "table %s is already defined as an array of tables", t.key(name))
		case s.explicit:
			return nil, 0, d.errorf(k, "table %s is defined twice", t.key(name))
		}
		s.explicit = true
		return s, id, nil
	}
	return nil, 0, d.errorf(e, "table header without a key")
}

// set applies the key-value kv to t, recording the positions of the keys
// it defines under positions id (none when id < 0).
func (d *tomlDecoder) set(t *table, kv *unstable.Node, id int) error {
	it := kv.Key()
	for it.Next() {
		k := it.Node()
		name := string(k.Data)
		if id >= 0 {
			id = d.pos.child(id, name)
		}
		s, exists := t.child(name)
		if it.IsLast() {
			if exists {
				return d.errorf(k, "%s is already defined", t.key(name))
			}
			d.define(id, firstKey(kv))
			v, err := d.value(kv.Value(), t, name, id)
			if err != nil {
				return err
			}
			t.m[name] = v
			return nil
		}
		switch {
		case !exists:
			s = t.add(name, dottedTable)
		case s == nil || s.kind != dottedTable:
			// TOML 1.0: dotted keys cannot add to a table that a header made.
			return d.errorf(k, "%s is already defined", t.key(name))
		}
		t = s
	}
	return d.errorf(kv, "key-value without a key")
}

// value decodes the value of key name in t as toml.Unmarshal does for an
// `any`; id is the key's positions id (<0: none). An inline table is
// built like a document of its own, closed once it ends.
func (d *tomlDecoder) value(n *unstable.Node, t *table, name string, id int) (any, error) {
	switch n.Kind {
	case unstable.String:
		return string(n.Data), nil
	case unstable.Bool:
		return n.Data[0] == 't', nil
	case unstable.Integer:
		i, err := parseTOMLInt(n.Data)
		if err != nil {
			return nil, d.errorf(n, "%v", err)
		}
		return i, nil
	case unstable.Float:
		f, err := parseTOMLFloat(n.Data)
		if err != nil {
			return nil, d.errorf(n, "%v", err)
		}
		return f, nil
	case unstable.Array:
		list := []any{}
		it := n.Children()
		for it.Next() {
			if c := it.Node(); c.Kind != unstable.Comment {
				v, err := d.value(c, t, name, -1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
		}
		return list, nil
	case unstable.InlineTable:
		inline := newTable(dottedTable, t, name)
		it := n.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				if err := d.set(inline, kv, id); err != nil {
					return nil, err
				}
			}
		}
		return inline.m, nil
	case unstable.LocalDate:
		return localValue[toml.LocalDate](d, n)
	case unstable.LocalTime:
		return localValue[toml.LocalTime](d, n)
	case unstable.LocalDateTime:
		return localValue[toml.LocalDateTime](d, n)
	case unstable.DateTime:
		tm, err := parseTOMLDateTime(n.Data)
		if err != nil {
			return nil, d.errorf(n, "%v", err)
		}
		return tm, nil
	}
	return nil, d.errorf(n, "unsupported value kind %s", n.Kind)
}

// localValue decodes a local date, time or date-time with go-toml's own
// parser, which checks what the lenient tokenizer let through.
func localValue[T any, P interface {
	*T
	UnmarshalText([]byte) error
}](d *tomlDecoder, n *unstable.Node) (any, error) {
	var v T
	if err := P(&v).UnmarshalText(n.Data); err != nil {
		return nil, d.errorf(n, "%s", parserMessage(err))
	}
	return v, nil
}

// parseTOMLInt converts a TOML integer the parser has checked (digits,
// underscores, prefixes): 0x, 0o, 0b or decimal with a sign.
func parseTOMLInt(b []byte) (int64, error) {
	s, base := strings.ReplaceAll(string(b), "_", ""), 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x':
			s, base = s[2:], 16
		case 'o':
			s, base = s[2:], 8
		case 'b':
			s, base = s[2:], 2
		}
	}
	i, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		return 0, fmt.Errorf("integer %s does not fit in 64 bits", b)
	}
	return i, nil
}

// parseTOMLFloat converts a TOML float the parser has checked; nan is
// math.NaN() whatever its sign, as in go-toml.
func parseTOMLFloat(b []byte) (float64, error) {
	s := strings.ReplaceAll(string(b), "_", "")
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if s[0] == '-' {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("float %s is out of range", b)
	}
	return f, nil
}

// parseTOMLDateTime converts an offset date-time: a local date-time (read
// by go-toml's own parser) then Z or ±HH:MM, the zone go-toml gives.
func parseTOMLDateTime(b []byte) (time.Time, error) {
	i := min(11, len(b))
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ':' || b[i] == '.') {
		i++
	}
	var dt toml.LocalDateTime
	if err := dt.UnmarshalText(b[:i]); err != nil {
		return time.Time{}, errors.New(parserMessage(err))
	}
	zone, ok := parseZone(b[i:])
	if !ok {
		return time.Time{}, fmt.Errorf("invalid time zone offset %q in date-time %s", b[i:], b)
	}
	return dt.AsTime(zone), nil
}

func parseZone(z []byte) (*time.Location, bool) {
	if len(z) == 1 && (z[0] == 'Z' || z[0] == 'z') {
		return time.UTC, true
	}
	if len(z) != 6 || z[0] != '+' && z[0] != '-' || z[3] != ':' {
		return nil, false
	}
	h, errH := strconv.ParseUint(string(z[1:3]), 10, 8)
	m, errM := strconv.ParseUint(string(z[4:6]), 10, 8)
	if errH != nil || errM != nil || h > 23 || m > 59 {
		return nil, false
	}
	secs := int(h*3600 + m*60)
	if secs == 0 {
		return time.UTC, true
	}
	if z[0] == '-' {
		secs = -secs
	}
	return time.FixedZone("", secs), true
}

func parserMessage(err error) string {
	var pe *unstable.ParserError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

// errorf makes a syntax error located at n.
func (d *tomlDecoder) errorf(n *unstable.Node, format string, args ...any) error {
	var line, col int
	if r := n.Raw; r.Length > 0 || r.Offset > 0 {
		line, col = d.lineCol(int(r.Offset))
	} else if k := firstKey(n); k.Length > 0 {
		line, col = d.lineCol(int(k.Offset))
	}
	return &Error{File: d.file, Line: line, Column: col, Msg: "syntax error: " + fmt.Sprintf(format, args...)}
}

// define records where the path of positions id is first defined.
func (d *tomlDecoder) define(id int, at unstable.Range) {
	if id >= 0 {
		line, col := d.lineCol(int(at.Offset))
		d.pos.define(id, line, col)
	}
}

// firstKey returns the range of the first part of a table header's or a
// key-value's key: the parser gives headers no range of their own.
func firstKey(n *unstable.Node) unstable.Range {
	if n.Kind != unstable.Table && n.Kind != unstable.ArrayTable && n.Kind != unstable.KeyValue {
		return n.Raw
	}
	if it := n.Key(); it.Next() {
		return it.Node().Raw
	}
	return n.Raw
}
