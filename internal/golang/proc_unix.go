//go:build unix

package golang

import (
	"os/exec"
	"syscall"
)

// killGroup starts cmd in its own process group and makes cancellation
// kill the whole group: `go build` runs compile and link as children,
// which would otherwise outlive it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
