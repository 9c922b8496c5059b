package rl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hhnet/hhnet/internal/atomicfile"
	"github.com/hhnet/hhnet/internal/jsonl"
	"github.com/hhnet/hhnet/internal/rundir"
	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/rl/mujoco"
	"github.com/hhnet/hhnet/tensor"
)

// Config is a run's choices; they map one to one to `hhnet rl`'s flags
// and are stored in every checkpoint.
type Config struct {
	Env         mujoco.Kind
	Actor       ActorKind
	Steps       int // environment steps in all
	Seed        uint64
	Reward      RewardMode
	StateNoise  bool
	RewardNoise bool
	EvalEvery   int
}

// PublishedSteps is the study's budget of environment steps.
func PublishedSteps(k mujoco.Kind) int {
	if k == mujoco.InvertedDoublePendulum {
		return 301_100
	}
	return 101_100
}

// DefaultEvalEvery is the default evaluation interval.
func DefaultEvalEvery(k mujoco.Kind) int {
	if k == mujoco.InvertedDoublePendulum {
		return 5000
	}
	return 1000
}

// Noise of the robustness runs (docs/model.md §8).
const (
	stateNoise      = 0.002
	stateNoiseFrom  = 6 // the episode step from which observations are noisy
	rewardNoise     = 0.1
	evalEpisodes    = 10
	checkpointEvery = 10_000
	CheckpointFile  = "checkpoint.bin"
	CurveFile       = "curve.csv"
	EvalFile        = "eval.jsonl"
)

// Eval is one evaluation: 10 deterministic episodes on held-out seeds.
type Eval struct {
	Step       int     `json:"step"`
	MeanReturn float64 `json:"mean_return"` // the environment's reward
	MeanLength float64 `json:"mean_length"`
	MinLength  int     `json:"min_length"`
}

// Point is one environment step of the learning curve.
type Point struct {
	Step, Episode int
	Shaped, Env   float64 // the shaped reward (clean) and the environment's
}

// Progress is what a Recorder hears, every few hundred steps.
type Progress struct {
	Step, Steps int
	Episode     int
	LastReturn  float64 // the last finished episode's shaped return
	LastEval    *Eval
	StepsPerSec float64
}

// Recorder receives progress; methods must be quick.
type Recorder interface {
	Progress(Progress)
	Eval(Eval)
}

// ErrInterrupted is returned when the context ends a run; the checkpoint
// then holds the position reached.
var ErrInterrupted = errors.New("interrupted")

// Run is one SAC run.
type Run struct {
	Config Config
	Dir    string // checkpoint, curve, evaluations; "" writes nothing
	Resume bool
	Force  bool
	// Workers splits the agent's products over that many goroutines
	// (≤ 1: none); the results do not depend on it.
	Workers  int
	Recorder Recorder
}

// PrepareDir refuses (or with force moves aside) an earlier run in dir.
func PrepareDir(dir string, resume, force bool) (string, error) {
	return rundir.Prepare(dir, resume, force, CheckpointFile, CurveFile)
}

// ErrRunExists is PrepareDir's refusal.
var ErrRunExists = rundir.ErrExists

// streams are the run's random streams, each with its own job.
type streams struct {
	act, update, replay, reset, noise *rand.PCG
}

func newStreams(seed uint64) streams {
	return streams{rand.NewPCG(seed, 1), rand.NewPCG(seed, 2), rand.NewPCG(seed, 3), rand.NewPCG(seed, 4), rand.NewPCG(seed, 5)}
}

// state is a run in progress.
type state struct {
	cfg         Config
	agent       *Agent[float32]
	replay      *Replay
	rs          streams
	step        int
	episode     int
	episodeStep int
	episodeRet  float64
	lastReturn  float64
	curve       []Point
	evals       []Eval
}

// Execute runs (or continues) the run to cfg.Steps steps and returns its
// evaluations.
func (r *Run) Execute(ctx context.Context) ([]Eval, error) {
	cfg := r.Config
	if _, err := PrepareDir(r.Dir, r.Resume, r.Force); err != nil {
		return nil, err
	}
	env, err := mujoco.New(cfg.Env)
	if err != nil {
		return nil, err
	}
	defer env.Close()
	evalEnv, err := mujoco.New(cfg.Env)
	if err != nil {
		return nil, err
	}
	defer evalEnv.Close()
	spec := env.Spec()
	s := &state{cfg: cfg, rs: newStreams(cfg.Seed), replay: NewReplay(spec.ObsSize, ReplaySize)}
	s.agent = NewAgent[float32](cfg.Actor, spec.ObsSize, spec.ActLow, spec.ActHigh, cfg.Env == mujoco.InvertedDoublePendulum, 0,
		rand.New(rand.NewPCG(cfg.Seed, 0)))
	if r.Workers > 1 {
		pool := tensor.NewPool(r.Workers)
		defer pool.Close()
		s.agent.SetPool(pool)
	}
	ckPath := filepath.Join(r.Dir, CheckpointFile)
	resumed := false
	if r.Resume && r.Dir != "" {
		ck, err := ReadCheckpoint(ckPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := ck.restore(s, env); err != nil {
				return nil, fmt.Errorf("%s: %w", ckPath, err)
			}
			resumed = true
		}
	}
	if r.Dir != "" {
		if err := os.MkdirAll(r.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	act, upd, rep, rst, noi := rand.New(s.rs.act), rand.New(s.rs.update), rand.New(s.rs.replay), rand.New(s.rs.reset), rand.New(s.rs.noise)
	if !resumed {
		obs, err := env.Reset(rst)
		if err != nil {
			return nil, err
		}
		s.replay.Begin(obs)
	}
	save := func() error {
		if r.Dir == "" {
			return nil
		}
		if err := WriteCheckpoint(ckPath, s.capture(env)); err != nil {
			return err
		}
		return r.writeFiles(s)
	}
	var batch Batch[float32]
	win := make([]float32, WindowObs*spec.ObsSize)
	seen := make([]float64, spec.ObsSize)
	noisy := make([]float64, spec.ObsSize)
	action := []float64{0}
	start, startStep := time.Now(), s.step
	for s.step < cfg.Steps {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return s.evals, err
			}
			return s.evals, ErrInterrupted
		}
		// Choose the action from the current window, update, then step.
		if s.step < StartSteps {
			action[0] = spec.ActLow + (spec.ActHigh-spec.ActLow)*act.Float64()
		} else {
			s.replay.Window(win, len(s.replay.Start)-1)
			action[0] = float64(s.agent.Act(win, false, act))
		}
		if s.replay.Len() > BatchSize {
			s.replay.Sample(&batch, BatchSize, rep)
			s.agent.Update(&batch, upd)
		}
		tr, err := env.Step(action)
		if err != nil {
			return s.evals, fmt.Errorf("step %d: %w", s.step+1, err)
		}
		s.episodeStep++
		copy(seen, tr.Obs)
		if cfg.StateNoise && s.episodeStep >= stateNoiseFrom {
			for i := range seen {
				seen[i] += stateNoise * noi.NormFloat64()
			}
		}
		clean := ShapedReward(cfg.Env, cfg.Reward, tr.Obs, tr.Terminated, tr.Truncated)
		stored := clean
		switch {
		case cfg.Reward == EnvReward:
			clean, stored = tr.Reward, tr.Reward
		case cfg.RewardNoise:
			for i := range noisy {
				noisy[i] = tr.Obs[i] + rewardNoise*noi.NormFloat64()
			}
			stored = ShapedReward(cfg.Env, cfg.Reward, noisy, tr.Terminated, tr.Truncated)
		}
		mask := 1.0
		if tr.Terminated && !tr.Truncated {
			mask = 0
		}
		s.replay.Add(action[0], stored, mask, seen)
		s.curve = append(s.curve, Point{Step: s.step + 1, Episode: s.episode + 1, Shaped: clean, Env: tr.Reward})
		s.episodeRet += clean
		s.step++
		if tr.Terminated || tr.Truncated {
			s.lastReturn, s.episodeRet = s.episodeRet, 0
			s.episode++
			s.episodeStep = 0
			obs, err := env.Reset(rst)
			if err != nil {
				return s.evals, err
			}
			s.replay.Begin(obs)
		}
		if cfg.EvalEvery > 0 && s.step%cfg.EvalEvery == 0 {
			ev, err := evaluate(ctx, s.agent, evalEnv, cfg, s.step)
			if errors.Is(err, ErrInterrupted) {
				// The step is done; a resume evaluates nothing twice.
				if err := save(); err != nil {
					return s.evals, err
				}
				return s.evals, ErrInterrupted
			}
			if err != nil {
				return s.evals, err
			}
			s.evals = append(s.evals, ev)
			if r.Recorder != nil {
				r.Recorder.Eval(ev)
			}
		}
		if s.step%checkpointEvery == 0 || s.step == cfg.Steps {
			if err := save(); err != nil {
				return s.evals, err
			}
		}
		if r.Recorder != nil && s.step%250 == 0 {
			p := Progress{Step: s.step, Steps: cfg.Steps, Episode: s.episode, LastReturn: s.lastReturn,
				StepsPerSec: float64(s.step-startStep) / time.Since(start).Seconds()}
			if n := len(s.evals); n > 0 {
				p.LastEval = &s.evals[n-1]
			}
			r.Recorder.Progress(p)
		}
	}
	return s.evals, save()
}

// evaluate runs evalEpisodes deterministic episodes on held-out seeds,
// with streams of their own: nothing of training's changes.
func evaluate(ctx context.Context, agent *Agent[float32], env *mujoco.Env, cfg Config, step int) (Eval, error) {
	spec := env.Spec()
	ev := Eval{Step: step, MinLength: math.MaxInt}
	hist := NewReplay(spec.ObsSize, spec.MaxSteps+1)
	win := make([]float32, WindowObs*spec.ObsSize)
	action := []float64{0}
	for e := 0; e < evalEpisodes; e++ {
		if ctx.Err() != nil {
			return Eval{}, ErrInterrupted
		}
		obs, err := env.Reset(rand.New(rand.NewPCG(0x6576616c^cfg.Seed, uint64(e))))
		if err != nil {
			return Eval{}, err
		}
		hist.Obs, hist.Start, hist.At = hist.Obs[:0], hist.Start[:0], hist.At[:0]
		hist.Action, hist.Reward, hist.Mask = hist.Action[:0], hist.Reward[:0], hist.Mask[:0]
		hist.Begin(obs)
		length, ret := 0, 0.0
		for {
			hist.Window(win, len(hist.Start)-1)
			action[0] = float64(agent.Act(win, true, nil))
			tr, err := env.Step(action)
			if err != nil {
				return Eval{}, fmt.Errorf("evaluation at step %d: %w", step, err)
			}
			length++
			ret += tr.Reward
			hist.Add(action[0], 0, 0, tr.Obs)
			if tr.Terminated || tr.Truncated {
				break
			}
		}
		ev.MeanReturn += ret / evalEpisodes
		ev.MeanLength += float64(length) / evalEpisodes
		ev.MinLength = min(ev.MinLength, length)
	}
	return ev, nil
}

// writeFiles writes the curve and the evaluations, atomically.
func (r *Run) writeFiles(s *state) error {
	if err := atomicfile.Write(filepath.Join(r.Dir, CurveFile), func(w io.Writer) error {
		buf := []byte("step,episode,shaped_reward,env_reward\n")
		for _, p := range s.curve {
			buf = strconv.AppendInt(buf, int64(p.Step), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(p.Episode), 10)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, p.Shaped, 'g', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, p.Env, 'g', -1, 64)
			buf = append(buf, '\n')
			if len(buf) > 1<<16 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		_, err := w.Write(buf)
		return err
	}); err != nil {
		return err
	}
	return jsonl.Write(filepath.Join(r.Dir, EvalFile), s.evals)
}

// params lists every network's parameters in the checkpoint's order.
func (s *state) params() []*nn.Param[float32] {
	var ps []*nn.Param[float32]
	ps = append(ps, s.agent.Actor.Params()...)
	ps = append(ps, s.agent.Critic.Params()...)
	return append(ps, s.agent.Target.Params()...)
}
