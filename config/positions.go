package config

import (
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// positions maps a key path (segments joined by "\x00") to the line and
// column where it is defined, so validation errors found after decoding can
// still point at the source. go-toml's decoder drops positions; its
// unstable parser keeps them.
type positions map[string][2]int

func indexPositions(data []byte) positions {
	pos := positions{}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyOf(e.Key())
			pos.add(&p, table, e)
		case unstable.KeyValue:
			full := append(append([]string(nil), table...), keyOf(e.Key())...)
			pos.add(&p, full, e)
			pos.addInline(&p, full, e.Value())
		}
	}
	return pos
}

func (pos positions) addInline(p *unstable.Parser, prefix []string, v *unstable.Node) {
	if v == nil || v.Kind != unstable.InlineTable {
		return
	}
	it := v.Children()
	for it.Next() {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		full := append(append([]string(nil), prefix...), keyOf(kv.Key())...)
		pos.add(p, full, kv)
		pos.addInline(p, full, kv.Value())
	}
}

func (pos positions) add(p *unstable.Parser, path []string, n *unstable.Node) {
	k := strings.Join(path, "\x00")
	if _, seen := pos[k]; seen {
		return
	}
	r := n.Raw
	if r.Length == 0 {
		// Expressions carry no range of their own; use the first key part.
		if it := n.Key(); it.Next() {
			r = it.Node().Raw
		}
	}
	if int(r.Offset) > len(p.Data()) {
		return
	}
	s := p.Shape(r)
	pos[k] = [2]int{s.Start.Line, s.Start.Column}
}

// at returns the position of the longest known prefix of path.
func (pos positions) at(path ...string) (int, int) {
	for n := len(path); n > 0; n-- {
		if lc, ok := pos[strings.Join(path[:n], "\x00")]; ok {
			return lc[0], lc[1]
		}
	}
	return 0, 0
}

func keyOf(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}
