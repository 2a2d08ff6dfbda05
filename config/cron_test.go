package config

import (
	"strings"
	"testing"
)

func TestValidateSchedule(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"@hourly", "@daily", "@Weekly", "* * * * *", "0 0 * * *", "*/15 9-17 * * MON-FRI", "0 12 1,15 * *", "30 4 1 jan-mar sun", "0 0 * * 7", " 5 4 * * * "} {
		if err := ValidateSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"every day":   "has 2 fields, want 5",
		"@often":      "is not one of @yearly",
		"61 * * * *":  `minute field "61"`,
		"* 24 * * *":  `hour field "24"`,
		"* * 0 * *":   `day of month field "0"`,
		"* * * 13 *":  `month field "13"`,
		"* * * * 8":   `day of week field "8"`,
		"*/0 * * * *": "step",
		"5-1 * * * *": "runs backwards",
		"* * * * * *": "has 6 fields",
		"":            "has 0 fields",
		"a,b * * * *": `minute field "a,b"`,
		"*/x * * * *": "is not *, a value",
	} {
		err := ValidateSchedule(bad)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is not a cron expression") {
			t.Errorf("%q: got %v, want %q", bad, err, want)
		}
	}
}

func TestValidateNodeVersion(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"22", "22.x", "v22", "22.11.0", "v20.1.x", "nodejs22.x", "18"} {
		if err := ValidateNodeVersion(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"banana", "", "latest", "22.x.x.x", "node22", "lts/*"} {
		if err := ValidateNodeVersion(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestValuesValidatedWhereRead: netlify.toml values that used to slip
// through (a NaN vcpu failing only when the manifest was encoded, a
// schedule that is no cron expression, a node_version that is no
// version) fail at load with file, line and key.
func TestValuesValidatedWhereRead(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"vcpu = nan":                               `netlify.toml:2:1: functions.vcpu: must be a number between 0.5 and 2, got NaN`,
		`schedule = "every day"`:                   `netlify.toml:2:1: functions.schedule: "every day" is not a cron expression`,
		`node_version = "banana"`:                  `netlify.toml:2:1: functions.node_version: "banana" is not a Node.js version`,
		"[functions.a]\nschedule = \"61 * * * *\"": `netlify.toml:3:1: functions.a.schedule: "61 * * * *" is not a cron expression: minute field`,
	} {
		_, err := Parse("/site/netlify.toml", []byte("[functions]\n"+value+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", value, err, want)
		}
	}
}

// TestBraceExpansionIsBounded: patterns whose braces multiply out
// (nested literal pairs, long chains of sets) stop at the cap without
// building the whole product first.
func TestBraceExpansionIsBounded(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"{" + strings.Repeat("{a,b}", 13) + "}" + strings.Repeat("{a,b}", 13),
		strings.Repeat("{a,b,c}", 40),
		"{1..999999999}",
		strings.Repeat("{", 60) + "a,b" + strings.Repeat("}", 60),
	} {
		if n := len(ExpandBraces(p)); n > maxBraceExpansions {
			t.Errorf("%.40q expands to %d patterns, over the cap", p, n)
		}
	}
}

// TestBraceBombKeyRefused: a [functions."…"] key whose braces multiply
// out is refused at load, with its line, instead of slowing every match.
func TestBraceBombKeyRefused(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("{", 48) + strings.Repeat("{a,b}", 14) + strings.Repeat("}", 48)
	_, err := Parse("/site/netlify.toml", []byte("[functions]\n[functions.\""+key+"\"]\ntimeout = 5\n"))
	if err == nil || !strings.Contains(err.Error(), "netlify.toml:2:") || !strings.Contains(err.Error(), "expand to more than 1024 patterns") {
		t.Fatalf("got %v", err)
	}
}
