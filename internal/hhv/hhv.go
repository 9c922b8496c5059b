// Package hhv is the neuron of package nn's HHv layer: the
// Hodgkin–Huxley substep with voltage-dependent gating, its derivatives,
// and a neuron's course through the network steps, forward and back. It
// is a package of its own so that the layer (package nn) and the Go
// reference of its assembly kernel (package kernels, under purego and off
// amd64) run the same code; the kernel matches its float32 form bit for
// bit, every product rounded on its own (the F conversions) as the
// assembly computes it.
package hhv

import (
	"math"

	"github.com/hhnet/hhnet/internal/f32"
)

// Float is float32 or float64.
type Float interface{ ~float32 | ~float64 }

// Membrane constants: package neuron's shifted convention (rest ≈ 0 mV),
// C = 1 µF/cm².
const (
	gNa, gK, gL = 120, 36, 0.3
	eNa, eK, eL = 115, -12, 10.613
)

// Constants of the substep: e^{−V/10} gives α_n's, α_m's and β_h's
// exponentials by one product each (e^{−(V−10)/10} = e·e^{−V/10}, …) and
// α_h's and β_n's by square roots (e^{−V/20}, e^{−V/80}); β_m's needs an
// exponential of its own. Six exponentials a substep instead of ten.
const (
	cu   = -0.1      // V·cu = −V/10
	cm   = -1.0 / 18 // β_m's exponent per mV
	e1   = math.E
	e25  = 12.182493960703473 // e^2.5
	e3   = 20.085536923187668 // e^3
	gLEL = gL * eL
)

// MaxSubsteps bounds Neuron.Substeps: StepBack recomputes a step's
// states into a buffer on the stack.
const MaxSubsteps = 256

// State is a neuron's membrane voltage (mV, rest ≈ 0) and gates.
type State[F Float] struct{ V, M, H, N F }

// Jac is a substep's derivatives: of the new V by the old V, the current
// I, m, h and n, and of each new gate by the old V and itself (a gate
// depends on no other gate).
type Jac[F Float] struct {
	VV, VI, VM, VH, VN F
	MV, MM, HV, HH     F
	NV, NN             F
}

// Exp is e^x: package f32's in float32, math's in float64.
func Exp[F Float](x F) F {
	if x32, ok := any(x).(float32); ok {
		return F(f32.Exp(x32))
	}
	return F(math.Exp(float64(x)))
}

// sqrt is the correctly rounded square root (float32 through float64 is:
// 53 ≥ 2·24 + 2 bits).
func sqrt[F Float](x F) F { return F(math.Sqrt(float64(x))) }

// linRate returns s·x/(1 − E), E = e^{−x/10}, the form of α_n and α_m
// (s10 = 10s), and its derivative by x; for |x| < small the series
// 10s(1 + y/2 + y²/12 − y⁴/720), y = x/10, so that the 0/0 point gives its
// limit 10s.
func linRate[F Float](s, s10, x, e, small F) (f, df F) {
	if x < small && x > -small {
		y := F(x * 0.1)
		y2 := F(y * y)
		f = F(s10 * (((1 + F(y*0.5)) + F(y2*(1.0/12))) - F(F(y2*y2)*(1.0/720))))
		df = F(s * ((0.5 + F(y*(1.0/6))) - F(F(y2*y)*(1.0/180))))
		return f, df
	}
	d := 1 - e
	return F(s*x) / d, F(s*(d-F(F(x*e)*0.1))) / F(d*d)
}

// gate is the exponential step of a gate x with rates a, b and their
// derivatives da, db by V (nhs = −substep): the new value and its
// derivatives by x and V.
func gate[F Float](x, a, b, da, db, nhs F) (nx, dx, dv F) {
	k := a + b
	inf := a / k
	e := Exp(F(nhs * k))
	xe := F((x - inf) * e)
	dk := da + db
	dinf := (da - F(inf*dk)) / k
	return inf + xe, e, F(dinf*(1-e)) + F(F(xe*nhs)*dk)
}

// Substep advances s by hs ms with the input current i (µA/cm²): the
// gates by the exponential (Rush–Larsen) step x ← x∞ + (x − x∞)·e^{−hs(α+β)},
// V by the exponential Euler step of its equation with the old gates,
// V ← V∞ + (V − V∞)·e^{−hs·g}. When j is not nil it receives the
// derivatives. small is the bound of α_n's and α_m's series (Small).
func Substep[F Float](s State[F], i, hs, small F, j *Jac[F]) State[F] {
	v, nhs := s.V, -hs
	u := Exp(F(v * cu))
	an, dan := linRate(0.01, 0.1, v-10, F(u*e1), small)
	am, dam := linRate(0.1, 1, v-25, F(u*e25), small)
	sq := sqrt(u)
	ah := F(sq * 0.07)
	bn := F(sqrt(sqrt(sq)) * 0.125)
	bm := F(Exp(F(v*cm)) * 4)
	bh := 1 / (1 + F(u*e3))
	var out State[F]
	var dmm, dmv, dhh, dhv, dnn, dnv F
	out.M, dmm, dmv = gate(s.M, am, bm, dam, F(bm*cm), nhs)
	out.H, dhh, dhv = gate(s.H, ah, bh, F(ah*-0.05), F(F(bh*(1-bh))*0.1), nhs)
	out.N, dnn, dnv = gate(s.N, an, bn, dan, F(bn*-0.0125), nhs)

	m2 := F(s.M * s.M)
	m3 := F(m2 * s.M)
	n3 := F(F(s.N*s.N) * s.N)
	gna := F(F(m3*gNa) * s.H)
	gk := F(F(n3*gK) * s.N)
	g := (gna + gk) + gL
	vinf := (((F(gna*eNa) + F(gk*eK)) + gLEL) + i) / g
	ev := Exp(F(nhs * g))
	evd := F((v - vinf) * ev)
	out.V = vinf + evd
	if j != nil {
		p := (1 - ev) / g
		q := F(nhs * evd)
		dA := F((F((eNa-vinf)*p) + q) * gNa)
		dB := F((F((eK-vinf)*p) + q) * gK)
		*j = Jac[F]{VV: ev, VI: p, VM: F(F(F(dA*3)*m2) * s.H), VH: F(dA * m3), VN: F(F(dB*4) * n3),
			MV: dmv, MM: dmm, HV: dhv, HH: dhh, NV: dnv, NN: dnn}
	}
	return out
}

// Neuron is how a layer runs its neurons: Steps network steps of Substeps
// substeps of H ms each, from Rest; a spike when V crosses Theta upward
// during a step (with Smooth > 0 instead a sigmoid of that slope of the
// step's maximum V − Theta); the surrogate derivative 1 where
// |maxV − Theta| < Lens (with Smooth, the sigmoid's).
type Neuron[F Float] struct {
	Rest                State[F]
	H, Small            F
	Theta, Lens, Smooth F
	Steps, Substeps     int
}

// NewNeuron returns a neuron of the given constants started at rest (the
// steady state of rest of package neuron's shifted HH, which the caller
// supplies: package neuron uses package kernels, whose Go reference uses
// this package), with the series bound of F.
func NewNeuron[F Float](rest State[F], h, theta, lens, smooth F, steps, substeps int) Neuron[F] {
	nr := Neuron[F]{Rest: rest, H: h,
		Theta: theta, Lens: lens, Smooth: smooth, Steps: steps, Substeps: substeps, Small: 1e-6}
	var z F
	if _, is32 := any(z).(float32); is32 {
		// 1 − e^{−x/10} keeps about 24 − log₂(10/|x|) bits; the series'
		// first omitted term is (x/10)⁶/30240.
		nr.Small = 0.5
	}
	return nr
}

// spike is a step's spike: the upward crossing, or the sigmoid of the
// step's maximum V.
func (p *Neuron[F]) spike(crossed bool, maxV F) F {
	if p.Smooth > 0 {
		return F(1 / (1 + math.Exp(-float64(p.Smooth*(maxV-p.Theta)))))
	}
	if crossed {
		return 1
	}
	return 0
}

// grad is the surrogate derivative at the step's maximum V.
func (p *Neuron[F]) grad(maxV F) F {
	x := maxV - p.Theta
	if p.Smooth > 0 {
		y := 1 / (1 + math.Exp(-float64(p.Smooth*x)))
		return F(float64(p.Smooth) * y * (1 - y))
	}
	if x < p.Lens && x > -p.Lens {
		return 1
	}
	return 0
}

// Static runs the neuron through every step on current i and returns its
// spike count and the count's derivative by i, carrying the state's
// derivatives by i forward (nothing is stored).
func (p *Neuron[F]) Static(i F) (count, sens F) {
	s := p.Rest
	var tv, tm, th, tn F // d(state)/di
	var j Jac[F]
	for range p.Steps {
		maxV, tMax := F(math.Inf(-1)), F(0)
		crossed := false
		for range p.Substeps {
			ns := Substep(s, i, p.H, p.Small, &j)
			// Each product rounded on its own, summed left to right.
			nv := ((F(j.VV*tv) + F(j.VM*tm)) + F(j.VH*th)) + F(j.VN*tn)
			tv, tm, th, tn = nv+j.VI, F(j.MV*tv)+F(j.MM*tm), F(j.HV*tv)+F(j.HH*th), F(j.NV*tv)+F(j.NN*tn)
			if s.V <= p.Theta && ns.V > p.Theta {
				crossed = true
			}
			if ns.V > maxV {
				maxV, tMax = ns.V, tv
			}
			s = ns
		}
		count += p.spike(crossed, maxV)
		sens += p.grad(maxV) * tMax
	}
	return count, sens
}

// Step runs one network step from s on current i and returns the new
// state and the step's spike.
func (p *Neuron[F]) Step(s State[F], i F) (State[F], F) {
	maxV := F(math.Inf(-1))
	crossed := false
	for range p.Substeps {
		ns := Substep(s, i, p.H, p.Small, nil)
		if s.V <= p.Theta && ns.V > p.Theta {
			crossed = true
		}
		maxV = max(maxV, ns.V)
		s = ns
	}
	return s, p.spike(crossed, maxV)
}

// StepBack back-propagates one network step that started at s on current
// i: a is the adjoint of the state at the step's end and dSpk the
// gradient of its spike. It returns the adjoint of the state at the
// step's start and the gradient of i, recomputing the substeps from s.
func (p *Neuron[F]) StepBack(s State[F], i F, a State[F], dSpk F) (State[F], F) {
	var states [MaxSubsteps + 1]State[F]
	states[0] = s
	at, maxV := 0, F(math.Inf(-1))
	for k := 1; k <= p.Substeps; k++ {
		states[k] = Substep(states[k-1], i, p.H, p.Small, nil)
		if states[k].V > maxV {
			at, maxV = k, states[k].V
		}
	}
	inject := dSpk * p.grad(maxV)
	var di F
	var j Jac[F]
	for k := p.Substeps; k >= 1; k-- {
		if k == at {
			a.V += inject
		}
		Substep(states[k-1], i, p.H, p.Small, &j)
		di += F(j.VI * a.V)
		a = State[F]{
			V: ((F(j.VV*a.V) + F(j.MV*a.M)) + F(j.HV*a.H)) + F(j.NV*a.N),
			M: F(j.VM*a.V) + F(j.MM*a.M),
			H: F(j.VH*a.V) + F(j.HH*a.H),
			N: F(j.VN*a.V) + F(j.NN*a.N),
		}
	}
	return a, di
}

// Peak runs the neuron through every step on current i and returns its
// spike count and the highest V it reaches (for firing statistics).
func (p *Neuron[F]) Peak(i F) (count, peak F) {
	s, peak := p.Rest, p.Rest.V
	for range p.Steps {
		var sp F
		for range p.Substeps {
			ns := Substep(s, i, p.H, p.Small, nil)
			if s.V <= p.Theta && ns.V > p.Theta {
				sp = 1
			}
			peak = max(peak, ns.V)
			s = ns
		}
		count += sp
	}
	return count, peak
}
