//go:build !mujoco

package mujoco

import "math/rand/v2"

// Env is an environment; in this build there is none (New fails).
type Env struct{}

// New returns ErrUnavailable: this build has no MuJoCo.
func New(Kind) (*Env, error) { return nil, ErrUnavailable }

// Close does nothing.
func (e *Env) Close() {}

// Spec is the zero Spec.
func (e *Env) Spec() Spec { return Spec{} }

// Reset returns ErrUnavailable.
func (e *Env) Reset(*rand.Rand) ([]float64, error) { return nil, ErrUnavailable }

// Step returns ErrUnavailable.
func (e *Env) Step([]float64) (Transition, error) { return Transition{}, ErrUnavailable }

// State is the zero State.
func (e *Env) State() State { return State{} }

// SetState returns ErrUnavailable.
func (e *Env) SetState(State) error { return ErrUnavailable }

// Masses is nil.
func (e *Env) Masses() []float64 { return nil }
