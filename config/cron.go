package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cronNicknames are the shorthands the platform's scheduler accepts.
var cronNicknames = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// cronFields are the five fields of a cron expression with their ranges
// and, for months and weekdays, their names.
var cronFields = []struct {
	name     string
	min, max int
	names    []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{"day of week", 0, 7, []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

var cronStep = regexp.MustCompile(`^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?$`)

// ValidateSchedule checks a scheduled function's cron expression: five
// fields (minute hour day-of-month month day-of-week, each `*`, a value,
// a range, a list and an optional `/step`; months and weekdays also by
// name), or one of @yearly, @annually, @monthly, @weekly, @daily,
// @midnight, @hourly. The error says which field is wrong.
func ValidateSchedule(s string) error {
	expr := strings.TrimSpace(s)
	if strings.HasPrefix(expr, "@") {
		for _, n := range cronNicknames {
			if strings.EqualFold(expr, n) {
				return nil
			}
		}
		return fmt.Errorf("%q is not a cron expression: %s is not one of %s", s, expr, strings.Join(cronNicknames, ", "))
	}
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("%q is not a cron expression: it has %d fields, want 5 (minute hour day-of-month month day-of-week, such as \"0 * * * *\"), or a shorthand such as @hourly", s, len(fields))
	}
	for i, f := range fields {
		spec := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			if err := cronPart(part, spec.min, spec.max, spec.names); err != nil {
				return fmt.Errorf("%q is not a cron expression: %s field %q: %v", s, spec.name, f, err)
			}
		}
	}
	return nil
}

func cronPart(part string, min, max int, names []string) error {
	m := cronStep.FindStringSubmatch(part)
	if m == nil {
		return fmt.Errorf("%q is not *, a value, a range or a step", part)
	}
	if m[2] != "" {
		if n, err := strconv.Atoi(m[2]); err != nil || n < 1 || n > max {
			return fmt.Errorf("step %q must be between 1 and %d", m[2], max)
		}
	}
	if m[1] == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(m[1], "-")
	a, err := cronValue(lo, min, max, names)
	if err != nil {
		return err
	}
	if !isRange {
		return nil
	}
	b, err := cronValue(hi, min, max, names)
	if err != nil {
		return err
	}
	if a > b {
		return fmt.Errorf("range %q runs backwards", m[1])
	}
	return nil
}

func cronValue(s string, min, max int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i + min, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%q must be between %d and %d", s, min, max)
	}
	return n, nil
}

// nodeVersionPattern is what node_version accepts: a major version with
// optional minor and patch ("22", "22.x", "v22.11.0"), or the runtime name
// "nodejs22.x" that AWS_LAMBDA_JS_RUNTIME uses.
var nodeVersionPattern = regexp.MustCompile(`^(v?[0-9]+(\.([0-9]+|x))?(\.([0-9]+|x))?|nodejs[0-9]+\.x)$`)

// ValidateNodeVersion checks a node_version value.
func ValidateNodeVersion(s string) error {
	if !nodeVersionPattern.MatchString(strings.TrimSpace(s)) {
		return fmt.Errorf("%q is not a Node.js version; use a major version such as \"22\" (or \"22.x\", \"v22.11.0\")", s)
	}
	return nil
}
