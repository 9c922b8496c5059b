// Package ode advances systems of ordinary differential equations y′ = f(t, y)
// by one fixed step: forward Euler, classical Runge–Kutta (RK4) and the
// Rush–Larsen exponential integrator for systems whose gating components are
// linear in themselves (dx/dt = a − b·x).
//
// The package knows nothing about neurons: models implement System (and
// Linearized for Rush–Larsen). Steppers keep their scratch buffers, sized on
// first use and reused afterwards, so a step allocates nothing once warm.
// A stepper is not safe for concurrent use; give each goroutine its own.
package ode
