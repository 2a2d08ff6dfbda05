package node

import (
	"errors"
	"fmt"
)

// ErrMissingModule classifies an import or dependency that is not
// installed; match with errors.Is.
var ErrMissingModule = errors.New("missing module")

// MissingModuleError names what is missing, who needs it and the fix.
type MissingModuleError struct {
	// Module is the specifier or package name.
	Module string
	// Importer is the file (with Line) or the package that needs it.
	Importer string
	Line     int
	// Package is set when a package's dependency is missing.
	Package string
	Fix     string
}

func (e *MissingModuleError) Error() string {
	where := e.Importer
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Importer, e.Line)
	}
	if e.Package != "" {
		return fmt.Sprintf("cannot find module %q, a dependency of %s (%s); %s", e.Module, e.Package, where, e.Fix)
	}
	return fmt.Sprintf("cannot find module %q imported by %s; %s", e.Module, where, e.Fix)
}

// Is makes MissingModuleError match ErrMissingModule.
func (e *MissingModuleError) Is(target error) bool { return target == ErrMissingModule }
