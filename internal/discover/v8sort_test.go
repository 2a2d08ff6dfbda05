package discover

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"slices"
	"testing"
)

// sortCase is one array to sort: the comparator is a table, cmp(x, y) =
// table[x*n+y], so node and Go compare exactly the same way, consistent
// or not.
type sortCase struct {
	Name  string `json:"name"`
	N     int    `json:"n"`
	Table []int8 `json:"table"`
}

func (c sortCase) cmp(x, y int) int { return int(c.Table[x*c.N+y]) }

// sortCases builds arrays that reach every path of TimSort: short ones
// (binary insertion only), long ones with runs to merge and gallop, and
// comparators that are not total orders (random answers, and the
// reference finder's, which orders only files of the same name).
func sortCases() []sortCase {
	r := rand.New(rand.NewPCG(1, 15))
	var cases []sortCase
	table := func(name string, n int, cmp func(x, y int) int) {
		c := sortCase{Name: name, N: n, Table: make([]int8, n*n)}
		for x := range n {
			for y := range n {
				c.Table[x*n+y] = int8(cmp(x, y))
			}
		}
		cases = append(cases, c)
	}
	for _, n := range []int{2, 3, 5, 13, 31, 63, 64, 65, 130, 257, 400} {
		// Random, inconsistent answers.
		t := make([]int8, n*n)
		for i := range t {
			t[i] = int8(r.IntN(3) - 1)
		}
		cases = append(cases, sortCase{Name: "random", N: n, Table: t})
		// Keys with many ties, in long ascending and descending stretches,
		// so that merges gallop and stability shows.
		keys := make([]int, n)
		for i := range keys {
			switch {
			case i%97 < 40:
				keys[i] = i / 3
			case i%97 < 70:
				keys[i] = n - i
			default:
				keys[i] = r.IntN(8)
			}
		}
		table("keys", n, func(x, y int) int { return keys[x] - keys[y] })
		// The finder's comparator over a few names in several extensions,
		// files and directories.
		type cand struct {
			name string
			ext  int
			dir  bool
		}
		cs := make([]cand, n)
		for i := range cs {
			cs[i] = cand{name: string(rune('a' + r.IntN(1+n/8))), ext: r.IntN(len(Extensions)), dir: r.IntN(6) == 0}
		}
		table("finder", n, func(x, y int) int {
			a, b := cs[x], cs[y]
			if a.dir != b.dir {
				if a.dir {
					return 1
				}
				return -1
			}
			if a.name == b.name {
				return b.ext - a.ext
			}
			return 0
		})
	}
	return cases
}

// TestV8SortMatchesNode sorts every case with node's Array.prototype.sort
// and with v8Sort: the orders must be the same.
func TestV8SortMatchesNode(t *testing.T) {
	t.Parallel()
	cases := sortCases()
	input, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	const script = `
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const cases = JSON.parse(Buffer.concat(chunks).toString());
  const out = cases.map(({ n, table }) => [...Array(n).keys()].sort((x, y) => table[x * n + y]));
  process.stdout.write(JSON.stringify(out));
});`
	cmd := exec.Command("node", "-e", script)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v: %s", err, stderr.String())
	}
	var want [][]int
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	differs := 0
	for i, c := range cases {
		stable := make([]int, c.N)
		for j := range stable {
			stable[j] = j
		}
		slices.SortStableFunc(stable, c.cmp)
		if !slices.Equal(stable, want[i]) {
			differs++
		}
		got := make([]int, c.N)
		for j := range got {
			got[j] = j
		}
		v8Sort(got, c.cmp)
		if !slices.Equal(got, want[i]) {
			t.Errorf("%s n=%d: v8Sort %v\nnode %v", c.Name, c.N, got, want[i])
		}
	}
	// A stable sort gives another order for the comparators that are not
	// total orders: the check above is not vacuous.
	if differs == 0 {
		t.Error("a stable sort agrees with node on every case; the cases do not exercise V8's order")
	}
}
