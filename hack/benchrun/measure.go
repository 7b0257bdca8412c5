package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// measureArg, as benchrun's first argument, makes it the measuring parent of one
// tool run (measureChild): `benchrun -measure-child BIN ARGS...`.
//
// Why a parent of its own: Linux records a process's peak RSS (ru_maxrss) in a
// structure that survives exec, and Go starts a child with vfork (CLONE_VM), so
// the child's figure starts at its parent's peak. Started straight from benchrun,
// which holds every pod of a 5,000-pod namespace, `/bin/true` reported 310 MiB; a
// tool's peak came out as max(benchrun's, its own). A small parent of its own,
// started fresh, makes the figure the tool's.
const measureArg = "-measure-child"

// measureChild runs args, forwarding interrupts to it, and writes to fd 3 the
// child's wall time, user and system CPU (ns) and peak RSS (KiB); it exits with
// the child's exit code.
func measureChild(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return 127
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	wall := time.Since(start)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		f := os.NewFile(3, "measure")
		fmt.Fprintf(f, "%d %d %d %d\n", wall.Nanoseconds(), ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss)
		_ = f.Close()
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 1 // ended by a signal (the interrupt that ends a follow)
}
