package config

import "slices"

// positions records where each key path is first defined, so validation
// errors found after decoding can still point at the source. Paths form a
// tree of key parts: recording a key under a table header costs the key,
// not the header again (joined paths cost the header's length for each of
// its keys). decodeTOML fills it.
type positions struct {
	ids map[posKey]int // a path's id by its parent's id and last part; the root's is 0
	lc  [][2]int       // line and column by id; 0, 0 for a path only a longer one defines
}

type posKey struct {
	parent int
	name   string
}

func newPositions() *positions {
	return &positions{ids: map[posKey]int{}, lc: [][2]int{{}}}
}

// child returns the id of path parent + name, adding it if new.
func (p *positions) child(parent int, name string) int {
	k := posKey{parent, name}
	id, ok := p.ids[k]
	if !ok {
		id = len(p.lc)
		p.ids[k] = id
		p.lc = append(p.lc, [2]int{})
	}
	return id
}

// define records line and column for id unless it has some already.
func (p *positions) define(id, line, col int) {
	if p.lc[id] == [2]int{} {
		p.lc[id] = [2]int{line, col}
	}
}

// at returns the position of the longest defined prefix of path.
func (p *positions) at(path ...string) (int, int) {
	var found [2]int
	id := 0
	for _, name := range path {
		var ok bool
		if id, ok = p.ids[posKey{id, name}]; !ok {
			break
		}
		if lc := p.lc[id]; lc != [2]int{} {
			found = lc
		}
	}
	return found[0], found[1]
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

// lineCol returns the 1-based line and byte column of offset off; 0, 0
// outside the document. Counting the lines from the top for each key
// would be quadratic over thousands of sections.
func (d *tomlDecoder) lineCol(off int) (int, int) {
	if off < 0 || off > len(d.data) {
		return 0, 0
	}
	line, _ := slices.BinarySearch(d.lines, off+1)
	return line, off - d.lines[line-1] + 1
}
