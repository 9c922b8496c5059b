//go:build mujoco

package mujoco

/*
#cgo LDFLAGS: -lmujoco
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <mujoco/mujoco.h>

// MuJoCo reports errors through a process-wide handler that must not
// return (its default prints and exits the process). hhnet's handler
// jumps back to the guarded call on the same thread, which returns -1 with
// the message in the caller's buffer; warnings are only counted by
// MuJoCo (mjData.warning), which Env checks after every step.
static __thread jmp_buf *hh_guard;
static __thread char *hh_msg;

static void hh_on_error(const char *msg) {
	if (hh_msg) {
		strncpy(hh_msg, msg, 1023);
		hh_msg[1023] = 0;
	}
	if (hh_guard) {
		longjmp(*hh_guard, 1);
	}
	abort(); // an unguarded error: never reached, every call is guarded
}

static void hh_on_warning(const char *msg) { (void)msg; }

static void hh_install(void) {
	mju_user_error = hh_on_error;
	mju_user_warning = hh_on_warning;
}

#define GUARD(msg, fail) \
	jmp_buf jb; \
	hh_guard = &jb; hh_msg = msg; \
	if (setjmp(jb)) { hh_guard = NULL; hh_msg = NULL; fail; }
#define UNGUARD hh_guard = NULL; hh_msg = NULL;

// hh_load parses an MJCF document from memory through MuJoCo's virtual
// file system (allocated: it holds 2 MB of names).
static mjModel *hh_load(const char *xml, int len, char *msg) {
	mjVFS *vfs = malloc(sizeof(mjVFS));
	if (!vfs) {
		strcpy(msg, "out of memory");
		return NULL;
	}
	mjModel *m = NULL;
	GUARD(msg, { free(vfs); return NULL; })
	mj_defaultVFS(vfs);
	if (mj_makeEmptyFileVFS(vfs, "model.xml", len) != 0) {
		strcpy(msg, "the virtual file system refused the model");
	} else {
		memcpy(vfs->filedata[mj_findFileVFS(vfs, "model.xml")], xml, len);
		m = mj_loadXML("model.xml", vfs, msg, 1024);
	}
	mj_deleteVFS(vfs);
	UNGUARD
	free(vfs);
	return m;
}

static mjData *hh_make_data(const mjModel *m, char *msg) {
	GUARD(msg, return NULL)
	mjData *d = mj_makeData(m);
	UNGUARD
	return d;
}

static int hh_warnings(const mjData *d);

// hh_step runs n physics steps and returns the warning count after them
// (hh_warnings), or -1 on an error.
static int hh_step(const mjModel *m, mjData *d, int n, char *msg) {
	GUARD(msg, return -1)
	for (int i = 0; i < n; i++) {
		mj_step(m, d);
	}
	UNGUARD
	return hh_warnings(d);
}

static int hh_reset(const mjModel *m, mjData *d, char *msg) {
	GUARD(msg, return -1)
	mj_resetData(m, d);
	UNGUARD
	return 0;
}

static int hh_forward(const mjModel *m, mjData *d, char *msg) {
	GUARD(msg, return -1)
	mj_forward(m, d);
	UNGUARD
	return 0;
}

// hh_warnings is the number of bad-number warnings (position, velocity,
// acceleration, control) MuJoCo has raised on d.
static int hh_warnings(const mjData *d) {
	return d->warning[mjWARN_BADQPOS].number + d->warning[mjWARN_BADQVEL].number +
	       d->warning[mjWARN_BADQACC].number + d->warning[mjWARN_BADCTRL].number;
}

// hh_loop is the reference the benchmark compares Env with: steps
// environment steps of frameskip physics steps with zero control, the
// data reset every 1000, in plain C.
static void hh_loop(const mjModel *m, mjData *d, int steps, int frameskip) {
	for (int s = 0; s < steps; s++) {
		if (s % 1000 == 0) {
			mj_resetData(m, d);
			mj_forward(m, d);
		}
		d->ctrl[0] = 0;
		for (int i = 0; i < frameskip; i++) {
			mj_step(m, d);
		}
	}
}
*/
import "C"

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"
)

// Env is one environment: its model, its data and the episode's count.
type Env struct {
	spec     Spec
	m        *C.mjModel
	d        *C.mjData
	msg      *C.char // MuJoCo's messages land here
	nq, nv   int
	steps    int
	warnings C.int
	obs      []float64
}

// New loads the environment k.
func New(k Kind) (*Env, error) {
	spec := SpecOf(k)
	C.hh_install()
	e := &Env{spec: spec, msg: (*C.char)(C.calloc(1024, 1)), obs: make([]float64, spec.ObsSize)}
	xml := C.CString(spec.XML)
	defer C.free(unsafe.Pointer(xml))
	e.m = C.hh_load(xml, C.int(len(spec.XML)), e.msg)
	if e.m == nil {
		err := e.fail("loading the %s model", k)
		e.Close()
		return nil, err
	}
	e.d = C.hh_make_data(e.m, e.msg)
	if e.d == nil {
		err := e.fail("allocating the %s data", k)
		e.Close()
		return nil, err
	}
	e.nq, e.nv = int(e.m.nq), int(e.m.nv)
	if int(e.m.nu) != 1 {
		e.Close()
		return nil, fmt.Errorf("mujoco: the %s model has %d actuators, want 1", k, int(e.m.nu))
	}
	return e, nil
}

// fail wraps MuJoCo's last message.
func (e *Env) fail(format string, a ...any) error {
	return fmt.Errorf("mujoco: %s: %s", fmt.Sprintf(format, a...), C.GoString(e.msg))
}

// Close frees the model and data; the Env must not be used after.
func (e *Env) Close() {
	if e.d != nil {
		C.mj_deleteData(e.d)
		e.d = nil
	}
	if e.m != nil {
		C.mj_deleteModel(e.m)
		e.m = nil
	}
	if e.msg != nil {
		C.free(unsafe.Pointer(e.msg))
		e.msg = nil
	}
}

// Spec returns the environment's specification.
func (e *Env) Spec() Spec { return e.spec }

func doubles(p *C.mjtNum, n int) []float64 { return unsafe.Slice((*float64)(unsafe.Pointer(p)), n) }

// Masses returns the bodies' masses in kg (the world's excluded).
func (e *Env) Masses() []float64 {
	return append([]float64(nil), doubles(e.m.body_mass, int(e.m.nbody))[1:]...)
}

// Reset starts an episode: the rest state plus the environment's reset
// noise drawn from rng (none when rng is nil). It returns the first
// observation.
func (e *Env) Reset(rng *rand.Rand) ([]float64, error) {
	if C.hh_reset(e.m, e.d, e.msg) != 0 {
		return nil, e.fail("reset")
	}
	qpos, qvel := doubles(e.d.qpos, e.nq), doubles(e.d.qvel, e.nv)
	qpos0 := doubles(e.m.qpos0, e.nq)
	for i := range qpos {
		qpos[i] = qpos0[i]
		if rng != nil {
			qpos[i] += e.spec.PosNoise * (2*rng.Float64() - 1)
		}
	}
	for i := range qvel {
		qvel[i] = 0
		if rng != nil {
			if e.spec.VelGaussian {
				qvel[i] = e.spec.VelNoise * rng.NormFloat64()
			} else {
				qvel[i] = e.spec.VelNoise * (2*rng.Float64() - 1)
			}
		}
	}
	if C.hh_forward(e.m, e.d, e.msg) != 0 {
		return nil, e.fail("reset")
	}
	e.steps = 0
	e.warnings = C.hh_warnings(e.d)
	e.observe()
	return e.obs, nil
}

// Step applies action (one value; MuJoCo clamps it to the control range)
// for the frame skip's physics steps.
func (e *Env) Step(action []float64) (Transition, error) {
	if len(action) != 1 {
		return Transition{}, fmt.Errorf("mujoco: %d action values, want 1", len(action))
	}
	if math.IsNaN(action[0]) || math.IsInf(action[0], 0) {
		return Transition{}, fmt.Errorf("mujoco: action %v is not a finite number", action[0])
	}
	doubles(e.d.ctrl, 1)[0] = action[0]
	w := C.hh_step(e.m, e.d, C.int(e.spec.FrameSkip), e.msg)
	if w < 0 {
		return Transition{}, e.fail("step")
	}
	if w != e.warnings {
		e.warnings = w
		return Transition{}, fmt.Errorf("mujoco: %w at episode step %d (MuJoCo reset the state)", ErrUnstable, e.steps+1)
	}
	e.steps++
	e.observe()
	t := Transition{Obs: e.obs, Truncated: e.steps >= e.spec.MaxSteps}
	switch e.spec.Kind {
	case InvertedPendulum:
		t.Reward = 1
		t.Terminated = !finite(e.obs) || math.Abs(e.obs[1]) > 0.2
	default:
		tip := doubles(e.d.site_xpos, 3)
		x, z := tip[0], tip[2]
		qvel := doubles(e.d.qvel, e.nv)
		v1, v2 := qvel[1], qvel[2]
		t.Reward = 10 - (0.01*x*x + (z-2)*(z-2)) - (1e-3*v1*v1 + 5e-3*v2*v2)
		t.Terminated = z <= 1
	}
	return t, nil
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// observe fills obs from the data as MuJoCo left it after the step (the
// last Runge–Kutta stage's values, as Gym reads them).
func (e *Env) observe() {
	qpos, qvel := doubles(e.d.qpos, e.nq), doubles(e.d.qvel, e.nv)
	o := e.obs
	if e.spec.Kind == InvertedPendulum {
		o[0], o[1], o[2], o[3] = qpos[0], qpos[1], qvel[0], qvel[1]
		return
	}
	clip := func(x float64) float64 { return max(-10, min(10, x)) }
	frc := doubles(e.d.qfrc_constraint, e.nv)
	o[0] = qpos[0]
	o[1], o[2] = math.Sin(qpos[1]), math.Sin(qpos[2])
	o[3], o[4] = math.Cos(qpos[1]), math.Cos(qpos[2])
	for i := 0; i < 3; i++ {
		o[5+i] = clip(qvel[i])
		o[8+i] = clip(frc[i])
	}
}

// State returns a copy of what continues the episode bit for bit.
func (e *Env) State() State {
	return State{
		Time:          float64(e.d.time),
		QPos:          append([]float64(nil), doubles(e.d.qpos, e.nq)...),
		QVel:          append([]float64(nil), doubles(e.d.qvel, e.nv)...),
		Act:           append([]float64(nil), doubles(e.d.act, int(e.m.na))...),
		QAccWarmstart: append([]float64(nil), doubles(e.d.qacc_warmstart, e.nv)...),
		Steps:         e.steps,
	}
}

// SetState restores a State of this environment.
func (e *Env) SetState(s State) error {
	if len(s.QPos) != e.nq || len(s.QVel) != e.nv || len(s.Act) != int(e.m.na) || len(s.QAccWarmstart) != e.nv || s.Steps < 0 ||
		!finite(s.QPos) || !finite(s.QVel) || !finite(s.Act) || !finite(s.QAccWarmstart) || math.IsNaN(s.Time) || math.IsInf(s.Time, 0) {
		return fmt.Errorf("mujoco: a state of %d positions, %d velocities, %d activations, %d warm-start values, step %d does not fit the %s model",
			len(s.QPos), len(s.QVel), len(s.Act), len(s.QAccWarmstart), s.Steps, e.spec.Kind)
	}
	e.d.time = C.mjtNum(s.Time)
	copy(doubles(e.d.qpos, e.nq), s.QPos)
	copy(doubles(e.d.qvel, e.nv), s.QVel)
	copy(doubles(e.d.act, int(e.m.na)), s.Act)
	copy(doubles(e.d.qacc_warmstart, e.nv), s.QAccWarmstart)
	e.steps = s.Steps
	return nil
}

// referenceLoop runs the plain C loop the benchmark compares Step with.
func (e *Env) referenceLoop(steps int) {
	C.hh_loop(e.m, e.d, C.int(steps), C.int(e.spec.FrameSkip))
}
