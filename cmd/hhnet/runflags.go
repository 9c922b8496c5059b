package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// runFlags are the flags of every command that runs a long, resumable
// job into a folder: train, mi and rl.
type runFlags struct {
	OutDir        string
	Resume, Force bool
	JSON          bool
}

// add defines --out, --resume, --force and --json.
func (r *runFlags) add(f *pflag.FlagSet, outHelp, jsonHelp string) {
	f.StringVar(&r.OutDir, "out", "", outHelp)
	f.BoolVar(&r.Resume, "resume", false, "continue from DIR/checkpoint.bin")
	f.BoolVar(&r.Force, "force", false, "start afresh over an earlier run in DIR, moving it aside to DIR.old-TIMESTAMP")
	f.BoolVar(&r.JSON, "json", false, jsonHelp)
}

// check refuses --resume with --force.
func (r *runFlags) check() error {
	if r.Resume && r.Force {
		return usagef("--resume and --force exclude each other: --resume continues the run in the output folder, --force moves it aside")
	}
	return nil
}

// claim refuses (exit 2), or with --force moves aside, an earlier run in
// the output folder before any work starts; prepare is the run package's
// PrepareDir and exists its refusal.
func (r *runFlags) claim(prepare func(dir string, resume, force bool) (string, error), exists error, log io.Writer) error {
	moved, err := prepare(r.OutDir, r.Resume, r.Force)
	if errors.Is(err, exists) {
		return &usageError{err}
	}
	if err != nil {
		return err
	}
	if moved != "" {
		fmt.Fprintf(log, "moved the earlier run in %s to %s\n", r.OutDir, moved)
	}
	return nil
}

// subsetFlags define --train-subset and --test-subset.
func subsetFlags(f *pflag.FlagSet, train, test *int) {
	f.IntVar(train, "train-subset", 0, "train on the first N training images only (0: all); to try a costly model quickly")
	f.IntVar(test, "test-subset", 0, "measure on the first N test images only (0: all)")
}

// checkSubsets refuses negative subset sizes.
func checkSubsets(train, test int) error {
	if train < 0 {
		return usagef("--train-subset: %d, want a number of images (0: all)", train)
	}
	if test < 0 {
		return usagef("--test-subset: %d, want a number of images (0: all)", test)
	}
	return nil
}
