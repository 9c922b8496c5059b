// Package mujoco binds the MuJoCo physics engine (2.2, Debian's
// libmujoco-dev) and provides the two environments of the study's
// reinforcement-learning experiments, InvertedPendulum and
// InvertedDoublePendulum (docs/model.md §8), with Gym's semantics: reset
// with noise, step → observation, reward, terminated, truncated at 1000
// steps, frame skip.
//
// The binding needs cgo and the build tag mujoco; without it New returns
// ErrUnavailable, which says how to get it. Each Env owns its model and
// data: use one Env per goroutine, and Close it.
package mujoco

import (
	_ "embed"
	"errors"
	"fmt"
)

// Kind names an environment.
type Kind int

const (
	InvertedPendulum Kind = iota
	InvertedDoublePendulum
)

// Kinds lists the environments.
func Kinds() []Kind { return []Kind{InvertedPendulum, InvertedDoublePendulum} }

// String is the name the command line uses.
func (k Kind) String() string {
	switch k {
	case InvertedPendulum:
		return "inverted-pendulum"
	case InvertedDoublePendulum:
		return "inverted-double-pendulum"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind maps a command-line name to its Kind.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown environment %q (want inverted-pendulum or inverted-double-pendulum)", s)
}

//go:embed models/inverted_pendulum.xml
var invertedPendulumXML string

//go:embed models/inverted_double_pendulum.xml
var invertedDoublePendulumXML string

// Spec is what an environment is, independent of the engine.
type Spec struct {
	Kind      Kind
	XML       string  // the MJCF model
	FrameSkip int     // physics steps per environment step
	ObsSize   int     // length of an observation
	ActLow    float64 // the action's bounds (one actuator)
	ActHigh   float64
	MaxSteps  int // the time limit: an episode is truncated after it
	// PosNoise and VelNoise are the reset noise on positions (uniform in
	// ±PosNoise) and velocities (uniform in ±VelNoise, or Gaussian with
	// s.d. VelNoise when VelGaussian).
	PosNoise, VelNoise float64
	VelGaussian        bool
}

// SpecOf returns the specification of k.
func SpecOf(k Kind) Spec {
	if k == InvertedDoublePendulum {
		return Spec{Kind: k, XML: invertedDoublePendulumXML, FrameSkip: 5, ObsSize: 11, ActLow: -1, ActHigh: 1, MaxSteps: 1000,
			PosNoise: 0.1, VelNoise: 0.1, VelGaussian: true}
	}
	return Spec{Kind: k, XML: invertedPendulumXML, FrameSkip: 2, ObsSize: 4, ActLow: -3, ActHigh: 3, MaxSteps: 1000,
		PosNoise: 0.01, VelNoise: 0.01}
}

// Transition is what one environment step gives.
type Transition struct {
	Obs        []float64 // the environment's slice, overwritten by the next Step or Reset
	Reward     float64   // the environment's own reward
	Terminated bool      // the episode ended by failure
	Truncated  bool      // the episode reached the time limit
}

// State is everything needed to continue an episode bit for bit.
type State struct {
	Time          float64
	QPos, QVel    []float64
	Act           []float64
	QAccWarmstart []float64
	Steps         int // environment steps of the episode so far
}

// ErrUnavailable is returned by New in a build without MuJoCo.
var ErrUnavailable = errors.New("this hhnet was built without MuJoCo: install it (apt-get install libmujoco-dev) and build with -tags mujoco (go install -tags mujoco ./cmd/hhnet)")

// ErrUnstable is returned when the simulation produces a bad number (MuJoCo
// then resets its state by itself): the episode cannot go on.
var ErrUnstable = errors.New("the simulation became unstable")
