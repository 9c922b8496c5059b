//go:build mujoco

package rl

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hhnet/hhnet/rl/mujoco"
)

type stopAt struct {
	step   int
	cancel func()
}

func (s stopAt) Progress(p Progress) {
	if p.Step == s.step {
		s.cancel()
	}
}
func (stopAt) Eval(Eval) {}

// TestRunResumesBitForBit: a run stopped in the middle of an episode and
// resumed gives the curve and evaluations of one that never stopped, and
// a new run over it is refused.
func TestRunResumesBitForBit(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for seconds")
	}
	cfg := Config{Env: mujoco.InvertedPendulum, Actor: LIFActor, Steps: 2600, Seed: 3, EvalEvery: 1300}
	ref := &Run{Config: cfg, Dir: filepath.Join(t.TempDir(), "ref")}
	want, err := ref.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refCk, err := ReadCheckpoint(filepath.Join(ref.Dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	r := &Run{Config: cfg, Dir: dir, Recorder: stopAt{step: 2250, cancel: cancel}}
	if _, err := r.Execute(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("stopped run: %v", err)
	}
	ck, err := ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil || ck.Step != 2250 || ck.EpisodeStep == 0 && ck.Step == 0 {
		t.Fatalf("checkpoint after the stop: step %d, %v", ck.Step, err)
	}
	r = &Run{Config: cfg, Dir: dir, Resume: true}
	got, err := r.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("evaluations after resume %+v, uninterrupted %+v", got, want)
	}
	ck, _ = ReadCheckpoint(filepath.Join(dir, CheckpointFile))
	if !reflect.DeepEqual(ck.Curve, refCk.Curve) || !reflect.DeepEqual(ck.Params, refCk.Params) {
		t.Error("the resumed run's curve or parameters differ from the uninterrupted run's")
	}
	if _, err := (&Run{Config: cfg, Dir: dir}).Execute(context.Background()); !errors.Is(err, ErrRunExists) {
		t.Errorf("a new run over a finished one: %v", err)
	}
}

// TestWorkersDoNotChangeResults: the same run on one and two workers
// gives the same bits.
func TestWorkersDoNotChangeResults(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for seconds")
	}
	cfg := Config{Env: mujoco.InvertedDoublePendulum, Actor: LIFActor, Steps: 400, Seed: 5, EvalEvery: 200}
	var cks [2]*Checkpoint
	for i, w := range []int{1, 2} {
		r := &Run{Config: cfg, Dir: filepath.Join(t.TempDir(), "run"), Workers: w}
		if _, err := r.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
		ck, err := ReadCheckpoint(filepath.Join(r.Dir, CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		cks[i] = ck
	}
	if !reflect.DeepEqual(cks[0].Params, cks[1].Params) || !reflect.DeepEqual(cks[0].Curve, cks[1].Curve) || !reflect.DeepEqual(cks[0].Evals, cks[1].Evals) {
		t.Error("1 and 2 workers give different results")
	}
}
