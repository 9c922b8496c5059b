// Command hhnet runs the experiments of "Network model with internal
// complexity bridges artificial intelligence and neuroscience" (He et al.,
// 2024): see `hhnet --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	// Ctrl-C, kill's SIGTERM (also what container runtimes and batch
	// schedulers send before a time limit) and a closed terminal's SIGHUP
	// all stop the work at the next safe point, saving what can resume.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes, as Go's flag package uses them.
const (
	exitOK    = 0
	exitError = 1 // the work failed: bad data, I/O, divergence
	exitUsage = 2 // the command line was wrong
)

// usageError marks an error in the command line rather than in the work.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	var prof profile
	root.PersistentFlags().StringVar(&prof.path, "cpuprofile", "", "write a CPU profile of the command to `FILE` (for go tool pprof)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return prof.start() }
	err := root.ExecuteContext(ctx)
	if perr := prof.stop(); err == nil {
		err = perr
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "hhnet:", err)
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) || strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitError
}

// isCobraUsage reports whether err came from cobra's own parsing (unknown
// command or flag, bad flag value), which it returns unwrapped.
func isCobraUsage(err error) bool {
	var ce *cobraUsage
	return errors.As(err, &ce)
}

type cobraUsage struct{ err error }

func (e *cobraUsage) Error() string { return e.err.Error() }
func (e *cobraUsage) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hhnet <command> [flags]",
		Short: "Spiking networks with internally complex neurons (HH ⇄ LIF)",
		Long: `hhnet reproduces and extends "Network model with internal complexity bridges
artificial intelligence and neuroscience" (He et al., Nature Computational
Science, 2024): Hodgkin–Huxley neurons, their exact four-LIF construction
(tv-LIF2HH) and its simplification (s-LIF2HH).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cobraUsage{err} })
	root.AddCommand(newEquivCmd(nil), newDataCmd(nil), newTrainCmd(nil), newEvalCmd(nil), newRobustnessCmd(nil), newCostCmd(nil), newMICmd(nil), newRLCmd(nil), newSweepCmd(), newReproduceCmd(), newReportCmd())
	return root
}

// profile is the CPU profile --cpuprofile asks for.
type profile struct {
	path string
	file *os.File
}

func (p *profile) start() error {
	if p.path == "" {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return usagef("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile %s: %v", p.path, err)
	}
	p.file = f
	return nil
}

// stop ends the profile, if one was started, and closes its file.
func (p *profile) stop() error {
	if p.file == nil {
		return nil
	}
	pprof.StopCPUProfile()
	if err := p.file.Close(); err != nil {
		return fmt.Errorf("--cpuprofile %s: %v", p.path, err)
	}
	return nil
}
