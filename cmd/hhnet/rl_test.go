package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/rl"
	"github.com/hhnet/hhnet/rl/mujoco"
)

func TestRLUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rl"}, "--env and --actor are required"},
		{[]string{"rl", "--env", "cartpole", "--actor", "LIF"}, "--env"},
		{[]string{"rl", "--env", "inverted-pendulum", "--actor", "GRU"}, "--actor"},
		{[]string{"rl", "--env", "inverted-pendulum", "--actor", "LIF", "--reward", "dense"}, "--reward"},
		{[]string{"rl", "--env", "inverted-pendulum", "--actor", "LIF", "--steps", "0"}, "--steps"},
		{[]string{"rl", "--env", "inverted-pendulum", "--actor", "LIF", "--eval-every", "0"}, "--eval-every"},
		{[]string{"rl", "--env", "inverted-pendulum", "--actor", "LIF", "--resume", "--force"}, "exclude each other"},
		{[]string{"rl", "plot"}, "at least one run folder"},
		{[]string{"rl", "eval"}, "one run folder"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

func TestRLDefaults(t *testing.T) {
	var got *rlOptions
	cmd := newRLCmd(func(_ context.Context, o *rlOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--env", "inverted-double-pendulum", "--actor", "LIF_hh", "--state-noise"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	c := got.Config
	if c.Env != mujoco.InvertedDoublePendulum || c.Actor != rl.SLIFActor || c.Steps != 301100 || c.EvalEvery != 5000 || c.Seed != 1 ||
		c.Reward != rl.Shaped || !c.StateNoise || c.RewardNoise ||
		got.OutDir != filepath.Join("out", "rl", "inverted-double-pendulum-LIF_hh-seed1-statenoise") {
		t.Errorf("defaults %+v, out %s", c, got.OutDir)
	}
}

func TestForwardAverage(t *testing.T) {
	got := forwardAverage([]float64{1, 2, 3, 4, 5}, 2)
	want := []float64{1.5, 2.5, 3.5, 4.5}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%v, want %v", got, want)
		}
	}
	if forwardAverage([]float64{1}, 2) != nil {
		t.Error("a window longer than the curve")
	}
}
