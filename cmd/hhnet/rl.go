package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet/report"
	"github.com/hhnet/hhnet/rl"
	"github.com/hhnet/hhnet/rl/mujoco"
)

type rlOptions struct {
	Out, Log           io.Writer
	Config             rl.Config
	env, actor, reward string
	Workers            int
	runFlags
}

func newRLCmd(runF func(context.Context, *rlOptions) error) *cobra.Command {
	opts := &rlOptions{}
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "rl --env ENV --actor ACTOR [flags]",
		Short: "Train a SAC agent with a spiking actor on MuJoCo's inverted pendulums",
		Long: `Soft actor-critic with a spiking actor (docs/model.md §8) on
inverted-pendulum or inverted-double-pendulum. Actors: LIF, HH, LIF_hh, 4LIF,
ANN. The actor sees the last 5 observations, each for 3 steps of its
spiking layer; twin critics see the last observation and the action.

Every --eval-every steps 10 deterministic episodes run on held-out seeds.
Writes DIR/curve.csv (step, episode, shaped reward, env reward),
DIR/eval.jsonl (step, mean return, mean and min length), DIR/curve.png and
DIR/checkpoint.bin (every 10 000 steps and on a stop: the networks, Adam,
the replay, the random streams and the MuJoCo state); Ctrl-C, SIGTERM or
SIGHUP stop it and --resume continues bit for bit, mid-episode too.

Needs MuJoCo: apt-get install libmujoco-dev and a build with -tags mujoco.`,
		Example: `  hhnet rl --env inverted-pendulum --actor LIF --steps 40000
  hhnet rl --env inverted-double-pendulum --actor ANN --state-noise
  hhnet rl plot out/rl/inverted-pendulum-LIF-seed* out/rl/inverted-pendulum-ANN-seed*
  hhnet rl eval out/rl/inverted-pendulum-LIF-seed1 --episodes 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if err := opts.validate(cmd.Flags().Changed("steps"), cmd.Flags().Changed("eval-every")); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRL(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.env, "env", "", "environment: inverted-pendulum or inverted-double-pendulum (required)")
	f.StringVar(&opts.actor, "actor", "", "actor: LIF, HH, LIF_hh, 4LIF or ANN (required)")
	f.IntVar(&c.Steps, "steps", 0, "environment steps (default: the published 101 100 for IP, 301 100 for IDP)")
	f.Uint64Var(&c.Seed, "seed", 1, "seed of the initialisation and every random stream")
	f.StringVar(&opts.reward, "reward", "shaped", "reward: shaped (the study's, fixed), env (the environment's) or published (its exact shaping)")
	f.BoolVar(&c.StateNoise, "state-noise", false, "add 0.002·N(0,1) to the observations the agent sees from an episode's 6th step")
	f.BoolVar(&c.RewardNoise, "reward-noise", false, "store rewards computed from the observation + 0.1·N(0,1) (the logged reward stays clean)")
	f.IntVar(&c.EvalEvery, "eval-every", 0, "steps between evaluations (default 1 000 for IP, 5 000 for IDP)")
	opts.add(f, "`DIR` for the run's files (default out/rl/ENV-ACTOR-seedN)", `print {"env", "actor", "evals": [...]} on stdout at the end`)
	f.IntVar(&opts.Workers, "workers", 1, "goroutines the agent's products are split over; results do not depend on it")
	cmd.AddCommand(newRLPlotCmd(), newRLEvalCmd())
	return cmd
}

func (o *rlOptions) validate(stepsSet, evalSet bool) error {
	c := &o.Config
	if o.env == "" || o.actor == "" {
		return usagef("--env and --actor are required (env: inverted-pendulum, inverted-double-pendulum; actor: LIF, HH, LIF_hh, 4LIF, ANN)")
	}
	var err error
	if c.Env, err = mujoco.ParseKind(o.env); err != nil {
		return &usageError{fmt.Errorf("--env: %w", err)}
	}
	if c.Actor, err = rl.ParseActor(o.actor); err != nil {
		return &usageError{fmt.Errorf("--actor: %w", err)}
	}
	if c.Reward, err = rl.ParseReward(o.reward); err != nil {
		return &usageError{fmt.Errorf("--reward: %w", err)}
	}
	if !stepsSet {
		c.Steps = rl.PublishedSteps(c.Env)
	}
	if c.Steps < 1 {
		return usagef("--steps: %d, want at least 1", c.Steps)
	}
	if !evalSet {
		c.EvalEvery = rl.DefaultEvalEvery(c.Env)
	}
	if c.EvalEvery < 1 {
		return usagef("--eval-every: %d, want at least 1", c.EvalEvery)
	}
	if err := o.check(); err != nil {
		return err
	}
	if o.Workers < 1 {
		return usagef("--workers: %d, want at least 1", o.Workers)
	}
	if o.OutDir == "" {
		name := fmt.Sprintf("%s-%s-seed%d", c.Env, c.Actor, c.Seed)
		if c.StateNoise {
			name += "-statenoise"
		}
		if c.RewardNoise {
			name += "-rewardnoise"
		}
		if c.Reward != rl.Shaped {
			name += "-" + c.Reward.String()
		}
		o.OutDir = filepath.Join("out", "rl", name)
	}
	return nil
}

func runRL(ctx context.Context, o *rlOptions) error {
	if env, err := mujoco.New(o.Config.Env); err != nil {
		return err // without MuJoCo: says how to get it
	} else {
		env.Close()
	}
	if err := o.claim(rl.PrepareDir, rl.ErrRunExists, o.Log); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "SAC with the %s actor on %s, %d steps, writing %s\n", o.Config.Actor, o.Config.Env, o.Config.Steps, o.OutDir)
	rec := newRLRecorder(o.Log, o.Config.Steps)
	run := &rl.Run{Config: o.Config, Dir: o.OutDir, Resume: o.Resume, Workers: o.Workers, Recorder: rec}
	evals, err := run.Execute(ctx)
	rec.close()
	if ferr := rlCurveFigure(o.OutDir); ferr != nil && err == nil {
		err = ferr
	}
	if errors.Is(err, rl.ErrInterrupted) {
		return fmt.Errorf("stopped; the position reached is saved in %s — continue with the same flags and --resume",
			filepath.Join(o.OutDir, rl.CheckpointFile))
	}
	if err != nil {
		return err
	}
	if o.JSON {
		if evals == nil {
			evals = []rl.Eval{}
		}
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Env   string    `json:"env"`
			Actor string    `json:"actor"`
			Evals []rl.Eval `json:"evals"`
		}{o.Config.Env.String(), o.Config.Actor.String(), evals})
	}
	if n := len(evals); n > 0 {
		e := evals[n-1]
		fmt.Fprintf(o.Out, "%s on %s: last evaluation (step %d): mean return %.1f, mean length %.1f, shortest %d\n",
			o.Config.Actor, o.Config.Env, e.Step, e.MeanReturn, e.MeanLength, e.MinLength)
	}
	return nil
}

// rlRecorder draws a progress bar on a terminal, else a line per report.
type rlRecorder struct {
	log      io.Writer
	bar      *progressbar.ProgressBar
	terminal bool
}

func newRLRecorder(log io.Writer, steps int) *rlRecorder {
	p := newProgress(log)
	r := &rlRecorder{log: log, terminal: p.terminal}
	if r.terminal {
		r.bar = progressbar.NewOptions(steps, progressbar.OptionSetWriter(log), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return r
}

func (r *rlRecorder) Progress(p rl.Progress) {
	desc := fmt.Sprintf("%.0f steps/s, episode %d, last return %.1f", p.StepsPerSec, p.Episode, p.LastReturn)
	if p.LastEval != nil {
		desc += fmt.Sprintf(", last evaluation %.1f (length %.0f)", p.LastEval.MeanReturn, p.LastEval.MeanLength)
	}
	if r.bar != nil {
		r.bar.Describe(desc)
		r.bar.Set(p.Step)
		return
	}
	if p.Step%5000 == 0 {
		fmt.Fprintf(r.log, "step %d/%d: %s\n", p.Step, p.Steps, desc)
	}
}

func (r *rlRecorder) Eval(e rl.Eval) {
	if r.bar == nil {
		fmt.Fprintf(r.log, "evaluation at step %d: mean return %.1f, mean length %.1f, shortest %d\n", e.Step, e.MeanReturn, e.MeanLength, e.MinLength)
	}
}

func (r *rlRecorder) close() {
	if r.bar != nil {
		r.bar.Finish()
		r.bar = nil
	}
}

// readCurve reads a run's curve.csv: the shaped reward of every step.
func readCurve(dir string) ([]float64, error) {
	path := filepath.Join(dir, rl.CurveFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rewards []float64
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		fields := strings.Split(sc.Text(), ",")
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s: line %d: %d fields, want 4", path, line+1, len(fields))
		}
		v, err := strconv.ParseFloat(fields[2], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: line %d: %q is not a reward", path, line+1, fields[2])
		}
		rewards = append(rewards, v)
	}
	return rewards, sc.Err()
}

// forwardAverage is the mean of each window of w values starting at a step.
func forwardAverage(v []float64, w int) []float64 {
	if len(v) < w {
		return nil
	}
	out := make([]float64, len(v)-w+1)
	var sum float64
	for i := 0; i < w; i++ {
		sum += v[i]
	}
	for i := range out {
		out[i] = sum / float64(w)
		if i+w < len(v) {
			sum += v[i+w] - v[i]
		}
	}
	return out
}

// rlCurveFigure draws a run's own curve.png (forward average over 1 000).
func rlCurveFigure(dir string) error {
	rewards, err := readCurve(dir)
	if err != nil || len(rewards) < 1000 {
		return nil // nothing worth drawing yet
	}
	return drawCurves(filepath.Join(dir, "curve.png"), []curveGroup{{name: filepath.Base(dir), runs: [][]float64{rewards}}})
}

// runLabel names a run's kind for the legend: actor, environment and what
// differs from the default (noise, reward mode).
func runLabel(c rl.Config) string {
	label := c.Actor.String() + " on " + c.Env.String()
	if c.StateNoise {
		label += ", state noise"
	}
	if c.RewardNoise {
		label += ", reward noise"
	}
	if c.Reward != rl.Shaped {
		label += ", " + c.Reward.String() + " reward"
	}
	return label
}

type curveGroup struct {
	name string
	runs [][]float64
}

// drawCurves plots each group's forward moving average (1 000 steps) as
// mean ± 1 s.d. over its runs, every 100th step.
func drawCurves(path string, groups []curveGroup) error {
	var bands []report.Band
	for _, g := range groups {
		var avgs [][]float64
		n := math.MaxInt
		for _, r := range g.runs {
			a := forwardAverage(r, 1000)
			avgs = append(avgs, a)
			n = min(n, len(a))
		}
		runs := "1 run"
		if len(g.runs) > 1 {
			runs = fmt.Sprintf("%d runs, mean ± 1 s.d.", len(g.runs))
		}
		b := report.Band{Name: fmt.Sprintf("%s (%s)", g.name, runs)}
		for i := 0; i < n; i += 100 {
			var s, ss float64
			for _, a := range avgs {
				s += a[i]
				ss += a[i] * a[i]
			}
			m := s / float64(len(avgs))
			b.X, b.Mean = append(b.X, float64(i+1)), append(b.Mean, m)
			b.SD = append(b.SD, math.Sqrt(max(ss/float64(len(avgs))-m*m, 0)))
		}
		bands = append(bands, b)
	}
	return report.Bands(path, "Shaped reward per step, forward average over 1 000 steps", "environment step", "reward", bands)
}

func newRLPlotCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "plot DIR... [--out FILE]",
		Short: "Draw learning curves of finished or running SAC runs, mean ± 1 s.d. per actor",
		Long: `Read DIR/curve.csv of each run and draw the published kind of figure: the
shaped reward per step, forward moving average over 1 000 steps, mean ± 1 s.d.
over the runs of each actor (runs are grouped by their checkpoint's actor and
environment).`,
		Args: func(_ *cobra.Command, dirs []string) error {
			if len(dirs) == 0 {
				return usagef("rl plot needs at least one run folder")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, dirs []string) error {
			var groups []curveGroup
			index := map[string]int{}
			for _, dir := range dirs {
				rewards, err := readCurve(dir)
				if err != nil {
					return err
				}
				name := filepath.Base(dir)
				if ck, err := rl.ReadCheckpoint(filepath.Join(dir, rl.CheckpointFile)); err == nil {
					name = runLabel(ck.Config)
				}
				if _, ok := index[name]; !ok {
					index[name] = len(groups)
					groups = append(groups, curveGroup{name: name})
				}
				g := &groups[index[name]]
				g.runs = append(g.runs, rewards)
			}
			if err := drawCurves(out, groups); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", filepath.Join("out", "rl", "curves.png"), "`FILE` for the figure (.png or .svg)")
	return cmd
}

func newRLEvalCmd() *cobra.Command {
	var episodes int
	var seed uint64
	var out string
	cmd := &cobra.Command{
		Use:   "eval DIR [--episodes N] [--out DIR]",
		Short: "Run a saved policy and write its trajectories and a figure",
		Long: `Rebuild the agent of DIR/checkpoint.bin, run N deterministic episodes and
write trajectory.csv (episode, step, observation, action, reward) and
trajectory.png (cart position, pole angles and action over time) in --out
(default DIR).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("rl eval takes one run folder, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if episodes < 1 {
				return usagef("--episodes: %d, want at least 1", episodes)
			}
			dir := args[0]
			if out == "" {
				out = dir
			}
			ck, err := rl.ReadCheckpoint(filepath.Join(dir, rl.CheckpointFile))
			if err != nil {
				return err
			}
			agent, err := rl.LoadAgent(ck)
			if err != nil {
				return err
			}
			env, err := mujoco.New(ck.Config.Env)
			if err != nil {
				return err
			}
			defer env.Close()
			frames, err := rl.Rollout(agent, env, seed, episodes)
			if err != nil {
				return err
			}
			return writeTrajectory(cmd.OutOrStdout(), out, ck.Config.Env, frames)
		},
	}
	cmd.Flags().IntVar(&episodes, "episodes", 1, "episodes to run")
	cmd.Flags().Uint64Var(&seed, "seed", 7, "seed of the episodes' resets")
	cmd.Flags().StringVar(&out, "out", "", "`DIR` for trajectory.csv and trajectory.png (default the run's)")
	return cmd
}

func writeTrajectory(stdout io.Writer, dir string, kind mujoco.Kind, frames []rl.Frame) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n := mujoco.SpecOf(kind).ObsSize
	header := []string{"episode", "step"}
	for i := 0; i < n; i++ {
		header = append(header, fmt.Sprintf("obs%d", i))
	}
	header = append(header, "action", "reward")
	var rows [][]string
	for _, f := range frames {
		row := []string{strconv.Itoa(f.Episode), strconv.Itoa(f.Step)}
		for _, v := range f.Obs {
			row = append(row, fmtF(v))
		}
		rows = append(rows, append(row, fmtF(f.Action), fmtF(f.Reward)))
	}
	if err := report.WriteCSV(filepath.Join(dir, "trajectory.csv"), header, rows); err != nil {
		return err
	}
	// The first episode over time: position, angle(s), action.
	var t, x, a, act []float64
	var b []float64
	dt := 0.04 // IP: 0.02 s × frame skip 2
	if kind == mujoco.InvertedDoublePendulum {
		dt = 0.05
	}
	for _, f := range frames {
		if f.Episode != 1 {
			break
		}
		t, x, act = append(t, float64(f.Step)*dt), append(x, f.Obs[0]), append(act, f.Action)
		if kind == mujoco.InvertedPendulum {
			a = append(a, f.Obs[1])
		} else {
			a, b = append(a, math.Atan2(f.Obs[1], f.Obs[3])), append(b, math.Atan2(f.Obs[2], f.Obs[4]))
		}
	}
	angles := []report.Series{{Name: "θ₁", X: t, Y: a}}
	if b != nil {
		angles = append(angles, report.Series{Name: "θ₂", X: t, Y: b})
	}
	panels := [][]report.Series{{{Name: "cart x (m)", X: t, Y: x}}, angles, {{Name: "action", X: t, Y: act}}}
	if err := report.TimePanels(filepath.Join(dir, "trajectory.png"), []string{"cart position", "pole angles (rad)", "action"}, "time (s)", panels); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s (%d steps)\n", filepath.Join(dir, "trajectory.csv"), filepath.Join(dir, "trajectory.png"), len(frames))
	return nil
}
