package config

import (
	"slices"
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
	lines := lineStarts(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyOf(e.Key())
			pos.add(&p, lines, table, e)
		case unstable.KeyValue:
			full := append(append([]string(nil), table...), keyOf(e.Key())...)
			pos.add(&p, lines, full, e)
			pos.addInline(&p, lines, full, e.Value())
		}
	}
	return pos
}

func (pos positions) addInline(p *unstable.Parser, lines []int, prefix []string, v *unstable.Node) {
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
		pos.add(p, lines, full, kv)
		pos.addInline(p, lines, full, kv.Value())
	}
}

func (pos positions) add(p *unstable.Parser, lines []int, path []string, n *unstable.Node) {
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
	// As p.Shape(r).Start, which counts the lines from the top of the
	// file each time: quadratic over thousands of sections.
	off := int(r.Offset)
	line, _ := slices.BinarySearch(lines, off+1)
	pos[k] = [2]int{line, off - lines[line-1] + 1}
}

// lineStarts returns the offset at which each line of data starts.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
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
