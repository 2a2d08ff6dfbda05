//go:build !unix

package golang

import "os/exec"

// killGroup leaves cmd as it is: without process groups, cancellation
// kills the go command only.
func killGroup(cmd *exec.Cmd) {}
