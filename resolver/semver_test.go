package resolver

import "testing"

// TestNextBundlesCritters checks the critters exception against npm's
// semver: the expected values are what semver 7 answers for
// satisfies("10.0.4", r) || ltr("10.0.4", r) (or gte for exact versions).
func TestNextBundlesCritters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		next string
		want bool
	}{
		{"^10.0.0", true}, {"^10.0.5", true}, {"^9.5.5", false}, {"10.0.5", true}, {"10.0.3", false},
		{"10.0.4", true}, {"v10.0.4", true}, {"=10.0.4", true}, {"~10.0.0", true}, {"~10.0", true},
		{"~9.5", false}, {">=9", true}, {">=9 <10.0.2", false}, {">=9 <10.0.2 || >=11", false},
		{"<10", false}, {"<=10.0.4", true}, {">10.0.3", true}, {">10.0.4", true}, {"10.x", true},
		{"10", true}, {"9.x", false}, {"11.x", true}, {"^11.0.0", true}, {"*", true}, {"", true},
		{"x", true}, {"9.0.0 - 10.0.3", false}, {"9.0.0 - 10.0", true}, {"10.0.5 - 12", true},
		{"12.0.0-canary.1", true}, {"^12.0.0-canary.1", true}, {">= 10.0.4", true}, {"^ 10.0.0", true},
		{">=11 <12", true}, {"~> 10.0.1", true}, {"^0.0.1", false}, {"latest", true}, {"canary", false},
		{"github:vercel/next.js", false}, {"npm:next@10", false}, {"10.0.4-beta", false},
		{"^10.0.4-beta", true}, {"<10.0.4-0", false}, {">10.0.4-0 <10.0.4", false},
		{"1 || 2 || 12", false}, {">=9 <=10.0.3", false}, {"^9 || ^10", true}, {">9.5 <10 || ^11", false},
	}
	for _, c := range cases {
		for _, field := range []string{"dependencies", "devDependencies"} {
			j := &PackageJSON{Dependencies: map[string]string{}, DevDependencies: map[string]string{}}
			if field == "dependencies" {
				j.Dependencies["next"] = c.next
			} else {
				j.DevDependencies["next"] = c.next
			}
			if got := IsOptional(j, "critters"); got != c.want {
				t.Errorf("next %q in %s: critters optional = %v, want %v", c.next, field, got, c.want)
			}
		}
	}
	if IsOptional(&PackageJSON{}, "critters") {
		t.Error("without next, a missing critters must not be optional")
	}
}

// FuzzRange: any range string parses or is refused, never panics.
func FuzzRange(f *testing.F) {
	for _, s := range []string{"^10.0.0", "1.2.3 - 2", ">=1 <2 || ^3", "~> 1.x", "*", "v1.2.3-beta.1+b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		allowsFrom(r, nextCritters)
	})
}
