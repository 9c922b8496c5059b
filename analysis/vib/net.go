package vib

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/hhnet/hhnet/internal/f32"
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/models"
	"github.com/hhnet/hhnet/nn"
	"github.com/hhnet/hhnet/tensor"
)

// Encoder is one spiking encoder of the study's information analysis
// (docs/model.md §7). Its constants differ from the classification
// models' (docs/model.md §4).
type Encoder struct {
	Name        string
	Unit        models.Unit // LIF, HH or s-LIF2HH
	Width       int         // neurons (units for s-LIF2HH)
	Theta, Lens float64     // threshold, surrogate half-width
	Decay       float64     // LIF and s-LIF2HH
	Dt          float64     // HH
	Gain        float64     // HHv: the initial input gain
}

// Encoders returns the five encoders: the study's LIF, HH and s-LIF2HH,
// our 4LIF (LIF with four times the neurons) and HHv (Hodgkin–Huxley with
// voltage-dependent gating, nn.HHv).
func Encoders() []Encoder {
	return []Encoder{
		{Name: "LIF", Unit: models.LIFUnit, Width: 512, Theta: 0.2, Lens: 0.4, Decay: 0.2},
		{Name: "HH", Unit: models.HHUnit, Width: 512, Theta: 2.3, Lens: 0.4, Dt: 0.01},
		{Name: "LIF_hh", Unit: models.SLIFUnit, Width: 512, Theta: 0.8, Lens: 0.4, Decay: 0.2},
		{Name: "4LIF", Unit: models.LIFUnit, Width: 2048, Theta: 0.2, Lens: 0.4, Decay: 0.2},
		{Name: "HHv", Unit: models.HHvUnit, Width: 512, Theta: nn.HHvThreshold, Lens: nn.HHvLens, Gain: 15},
	}
}

// EncoderNames lists the encoders' names.
func EncoderNames() []string {
	var names []string
	for _, e := range Encoders() {
		names = append(names, e.Name)
	}
	return names
}

// LookupEncoder returns the encoder called name.
func LookupEncoder(name string) (Encoder, error) {
	for _, e := range Encoders() {
		if e.Name == name {
			return e, nil
		}
	}
	return Encoder{}, fmt.Errorf("unknown encoder %q (want one of %s)", name, strings.Join(EncoderNames(), ", "))
}

// Shape sets a network's sizes; the zero value builds the study's (tests
// shrink it).
type Shape struct {
	In     int     // inputs per sample (default 36·36)
	Width  int     // spiking-layer width (default the encoder's)
	K      int     // bottleneck size (default 256)
	Steps  int     // time steps (default 15)
	Smooth float64 // > 0: smooth sigmoid spikes of this slope (gradient checks)
	Pool   *tensor.Pool
}

// Net is the variational information bottleneck over a spiking encoder:
// x → spiking layer (T steps on the unchanging image) → at every step
// Linear(features → 2K) → mean over the steps → μ (first K) and
// σ = softplus(second K − 5) → z = μ + σ·ε → two heads Linear(K → 10).
//
// The per-step Linear is linear, so its mean over the steps is the Linear
// of the mean spike output, the rate: the net computes it once per batch.
type Net[F nn.Float] struct {
	Enc                Encoder
	in, k, steps, feat int
	pool               *tensor.Pool
	proj               *nn.Linear[F] // Xavier-uniform, zero bias; 3·Width outputs for s-LIF2HH
	lif                *nn.LIF[F]
	hh                 *nn.HH[F]
	hhv                *nn.HHv[F]
	slif               *nn.SLIF2HH[F]
	stats              *nn.Linear[F] // features → 2K
	head1, head2       *nn.Linear[F]
	params             []*nn.Param[F]

	batch                int
	x                    []F
	xs, rs               tensor.Sparse[F] // the image's and the rates' nonzeros
	sparseIn, sparseRate bool
	cur, dCur            []F // [batch, projection outputs]
	rate, dRate          []F // [batch, features]
	st, dSt              []F // [batch, 2K]: μ then the pre-softplus scale
	sigma, eps, z, dz    []F // [batch, K]
	out1, out2, d1, d2   []F // [batch, 10]
	heads                headPair[F]
	zs, outs1, outs2     []F       // SampleDraws' z and logits, [draws·batch, K or 10]
	slope                []F       // dσ/ds, [batch, K]
	rowKL                []float64 // each sample's KL term
	scaleWork            scaleWork[F]
	zWork                zWork[F]
	gradWork             gradWork[F]
	mulWork              mulWork[F]
	encoded              bool
}

// NewNet builds a network for enc with parameters drawn from rng: the
// spiking layer's input projection Xavier-uniform with zero bias, every
// other layer PyTorch's default (the s-LIF2HH mixing weights too, without
// the classification models' abs).
func NewNet[F nn.Float](enc Encoder, shape Shape, rng *rand.Rand) *Net[F] {
	if shape.In <= 0 {
		shape.In = 36 * 36
	}
	if shape.Width > 0 {
		enc.Width = shape.Width
	}
	if shape.K <= 0 {
		shape.K = 256
	}
	if shape.Steps <= 0 {
		shape.Steps = 15
	}
	n := &Net[F]{Enc: enc, in: shape.In, k: shape.K, steps: shape.Steps, feat: enc.Width, pool: shape.Pool}
	projOut := enc.Width
	if enc.Unit == models.SLIFUnit {
		projOut, n.feat = 3*enc.Width, 4*enc.Width
	}
	n.proj = nn.NewLinear[F]("proj", shape.In, projOut, rng)
	// Xavier-uniform for each projection (3 of width Width for s-LIF2HH).
	n.proj.W.Uniform(rng, math.Sqrt(6/float64(shape.In+enc.Width)))
	clear(n.proj.B.Value)
	sg := nn.Surrogate[F]{Lens: F(enc.Lens), Smooth: F(shape.Smooth)}
	switch enc.Unit {
	case models.LIFUnit:
		n.lif = &nn.LIF[F]{Decay: F(enc.Decay), Theta: F(enc.Theta), Surrogate: sg}
	case models.HHUnit:
		n.hh = nn.NewHH(enc.Width, F(enc.Dt), F(enc.Theta), sg, rng)
	case models.HHvUnit:
		n.hhv = nn.NewHHv("hhv", enc.Gain, sg)
		n.hhv.Theta, n.hhv.Pool = F(enc.Theta), shape.Pool
	case models.SLIFUnit:
		n.slif = nn.NewSLIF2HH("slif", F(enc.Decay), F(enc.Theta), sg, rng)
		n.slif.Mix.Uniform(rng, 1/math.Sqrt(3)) // PyTorch's default, no abs
	default:
		panic("vib: encoder of an unknown unit")
	}
	n.stats = nn.NewLinear[F]("stats", n.feat, 2*shape.K, rng)
	n.head1 = nn.NewLinear[F]("task1", shape.K, 10, rng)
	n.head2 = nn.NewLinear[F]("task2", shape.K, 10, rng)
	n.params = append(n.params, n.proj.Params()...)
	if n.slif != nil {
		n.params = append(n.params, n.slif.Params()...)
	}
	if n.hhv != nil {
		n.params = append(n.params, n.hhv.Params()...)
	}
	for _, l := range []*nn.Linear[F]{n.proj, n.stats, n.head1, n.head2} {
		l.Pool = shape.Pool
	}
	for _, l := range []*nn.Linear[F]{n.stats, n.head1, n.head2} {
		n.params = append(n.params, l.Params()...)
	}
	return n
}

// Params returns the trainable parameters in a fixed order.
func (n *Net[F]) Params() []*nn.Param[F] { return n.params }

// Frozen returns the HH rate coefficients (none for the other encoders).
func (n *Net[F]) Frozen() [][]F {
	if n.hh != nil {
		return n.hh.Coef[:]
	}
	return nil
}

// K is the bottleneck size.
func (n *Net[F]) K() int { return n.k }

func grow[F nn.Float](s []F, size int) []F {
	if cap(s) < size {
		return make([]F, size)
	}
	return s[:size]
}

func (n *Net[F]) size(batch int) {
	n.batch = batch
	n.cur, n.dCur = grow(n.cur, batch*n.proj.Out), grow(n.dCur, batch*n.proj.Out)
	n.rate, n.dRate = grow(n.rate, batch*n.feat), grow(n.dRate, batch*n.feat)
	n.st, n.dSt = grow(n.st, 2*batch*n.k), grow(n.dSt, 2*batch*n.k)
	n.sigma, n.eps, n.z, n.dz = grow(n.sigma, batch*n.k), grow(n.eps, batch*n.k), grow(n.z, batch*n.k), grow(n.dz, batch*n.k)
	n.slope = grow(n.slope, batch*n.k)
	n.out1, n.out2, n.d1, n.d2 = grow(n.out1, batch*10), grow(n.out2, batch*10), grow(n.d1, batch*10), grow(n.d2, batch*10)
}

// softplusShift is the shift of σ = softplus(s − 5): it starts the scales
// small, as the study's encoder does.
const softplusShift = 5

// Encode runs the encoder on x [batch, In]: the spiking layer and the
// statistics μ and σ of z, kept for Sample.
func (n *Net[F]) Encode(x []F, batch int) {
	n.size(batch)
	n.x = x
	n.xs.Set(n.pool, x, batch, n.in)
	n.sparseIn = n.xs.Worthwhile()
	if n.sparseIn {
		n.proj.ForwardSparse(n.cur, &n.xs)
	} else {
		n.proj.Forward(n.cur, x, batch)
	}
	w := n.Enc.Width
	switch {
	case n.lif != nil:
		n.lif.Reset(batch*w, n.steps)
		n.lif.ForwardStatic(n.pool, n.rate, n.cur)
	case n.hh != nil:
		n.hh.Reset(batch*w, w, n.steps)
		n.hh.ForwardStatic(n.pool, n.rate, n.cur)
	case n.hhv != nil:
		n.hhv.Reset(batch*w, n.steps)
		n.hhv.ForwardStatic(n.rate, n.cur)
	default:
		n.slif.Reset(batch*w, n.steps)
		n.slif.ForwardStatic(n.pool, n.rate, n.cur, w)
	}
	n.scaleBy(n.rate, 1/F(n.steps))
	// The rates are mostly zero (silent neurons): the statistics layer
	// skips them as the projection skips dark pixels.
	n.rs.Set(n.pool, n.rate, batch, n.feat)
	n.sparseRate = n.rs.Worthwhile()
	if n.sparseRate {
		n.stats.ForwardSparse(n.st, &n.rs)
	} else {
		n.stats.Forward(n.st, n.rate, batch)
	}
	n.scales()
	n.loadHeads()
	n.encoded = true
}

// scales computes σ = softplus(s − 5), its slope and each sample's KL
// term from the statistics, samples split over the pool.
func (n *Net[F]) scales() {
	n.rowKL = slices.Grow(n.rowKL[:0], n.batch)[:n.batch]
	n.scaleWork.n = n
	n.pool.Run(&n.scaleWork, n.batch, 8)
}

// scaleWork is scales over a range of samples, kept in the net so that
// handing it to the pool allocates nothing.
type scaleWork[F nn.Float] struct{ n *Net[F] }

func (w *scaleWork[F]) Range(lo, hi int) {
	n, k := w.n, w.n.k
	for b := lo; b < hi; b++ {
		row := n.st[b*2*k : (b+1)*2*k]
		sigma := n.sigma[b*k : (b+1)*k]
		softplusRow(sigma, n.slope[b*k:(b+1)*k], row[k:])
		if s32, ok := any(sigma).([]float32); ok {
			n.rowKL[b] = klRow32(any(row[:k]).([]float32), s32)
			continue
		}
		var kl float64
		var logs logSum
		logs.reset()
		for j := 0; j < k; j++ {
			s, m := float64(sigma[j]), float64(row[j])
			kl += 0.5 * (m*m + s*s - 1)
			logs.add(s)
		}
		n.rowKL[b] = kl - logs.total()
	}
}

// klRow32 is one sample's KL term ½ Σ (μ² + σ² − 1) − Σ ln σ for float32
// μ and σ, without a branch per term: Σ ln σ is the logarithm of a
// float64 product whose exponent is moved into an integer after every
// four factors. Four float32 factors multiply in float64 without under-
// or overflow (2⁻⁵⁹⁶ to 2⁵¹²) and the product is kept in [1, 2), so it
// rounds as logSum's does. A σ of zero, infinity or NaN takes the
// term-by-term path, which gives the KL's +Inf or NaN.
func klRow32(mu, sigma []float32) float64 {
	var q0, q1, q2, q3 float64 // Σ μ² + σ², four running sums
	prod, exps := 1.0, 0
	j := 0
	for ; j+4 <= len(sigma); j += 4 {
		s0, s1, s2, s3 := float64(sigma[j]), float64(sigma[j+1]), float64(sigma[j+2]), float64(sigma[j+3])
		m0, m1, m2, m3 := float64(mu[j]), float64(mu[j+1]), float64(mu[j+2]), float64(mu[j+3])
		q0 += m0*m0 + s0*s0
		q1 += m1*m1 + s1*s1
		q2 += m2*m2 + s2*s2
		q3 += m3*m3 + s3*s3
		prod *= (s0 * s1) * (s2 * s3)
		if !(prod > 0 && prod <= math.MaxFloat64) {
			return klRowSlow(mu, sigma)
		}
		bits := math.Float64bits(prod)
		exps += int(bits>>52) - 1023
		prod = math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	}
	q := (q0 + q1) + (q2 + q3)
	for ; j < len(sigma); j++ {
		s, m := float64(sigma[j]), float64(mu[j])
		q += m*m + s*s
		prod *= s
	}
	if !(prod > 0 && prod <= math.MaxFloat64) {
		return klRowSlow(mu, sigma)
	}
	return 0.5*(q-float64(len(sigma))) - (float64(exps)*math.Ln2 + math.Log(prod))
}

// klRowSlow is klRow32 term by term.
func klRowSlow(mu, sigma []float32) float64 {
	var kl float64
	for j := range sigma {
		s, m := float64(sigma[j]), float64(mu[j])
		kl += 0.5*(m*m+s*s-1) - math.Log(s)
	}
	return kl
}

// logSum accumulates Σ ln xᵢ of positive xᵢ as a running product, taking
// one logarithm when the product leaves [2⁻⁵⁰⁰, 2⁵⁰⁰] instead of one per
// term: a row of the KL needs 256 of them, and they were the largest part
// of computing the scales. The product's relative rounding error, n
// half-ulps after n terms, is an absolute error of n·1.1e-16 in the sum.
type logSum struct {
	prod, sum float64
}

func (l *logSum) reset() { l.prod, l.sum = 1, 0 }

// Within these bounds a product of two factors neither under- nor
// overflows; a factor outside them takes its own logarithm.
const (
	logSumLow  = 0x1p-500
	logSumHigh = 0x1p500
)

func (l *logSum) add(x float64) {
	if x < logSumLow || x > logSumHigh {
		l.sum += math.Log(x)
		return
	}
	l.prod *= x
	if l.prod < logSumLow || l.prod > logSumHigh {
		l.sum += math.Log(l.prod)
		l.prod = 1
	}
}

func (l *logSum) total() float64 { return l.sum + math.Log(l.prod) }

// softplusRow sets sigma to softplus(s − 5) and slope to its derivative:
// in float32 package f32's (the kernel for the leading multiple of
// eight, eight times faster than math's float64 Exp and Log, which were
// a tenth of a training step), in float64 math's (the gradient checks).
func softplusRow[F nn.Float](sigma, slope, s []F) {
	switch y := any(sigma).(type) {
	case []float32:
		d, u := any(slope).([]float32)[:len(y)], any(s).([]float32)[:len(y)]
		vec := len(y) &^ 7
		if vec > 0 {
			kernels.Softplus(&y[0], &d[0], &u[0], softplusShift, vec)
		}
		for j := vec; j < len(y); j++ {
			y[j], d[j] = f32.Softplus(u[j] - softplusShift)
		}
	case []float64:
		d, u := any(slope).([]float64)[:len(y)], any(s).([]float64)[:len(y)]
		for j := range y {
			y[j], d[j] = softplus(u[j] - softplusShift)
		}
	}
}

// softplus returns ln(1 + eˣ), computed without overflow, and its
// derivative, the logistic function.
func softplus(x float64) (y, slope float64) {
	switch {
	case x > 30:
		return x, 1
	case x < -15:
		// ln(1 + e) = e − e²/2 + O(e³), e < 3e-7: exact to float64.
		e := math.Exp(x)
		return e - e*e/2, e / (1 + e)
	}
	// ln(1 + e) by Log rather than the several times slower Log1p: for
	// x ≥ −15 rounding 1 + e costs at most 1.1e-16/e ≤ 4e-10 relative, and
	// 1e-14 where σ starts (x ≈ −5).
	e := math.Exp(x)
	return math.Log(1 + e), e / (1 + e)
}

// Sample draws z = μ + σ·ε with eps [batch, K] and runs both heads; it
// returns their logits [batch, 10] (the net's own slices).
func (n *Net[F]) Sample(eps []F) (logits1, logits2 []F) {
	if !n.encoded {
		panic("vib: Sample before Encode")
	}
	copy(n.eps, eps[:n.batch*n.k])
	n.zWork = zWork[F]{n: n, eps: n.eps, z: n.z}
	n.pool.Run(&n.zWork, n.batch, zGrain)
	n.zWork = zWork[F]{}
	return n.sampled()
}

// sampled runs both heads on the z that Sample, or a caller that filled
// the net's ε and z itself (sampleBuffers), left.
func (n *Net[F]) sampled() (logits1, logits2 []F) {
	n.runHeads(n.out1, n.out2, n.z, n.batch)
	return n.out1, n.out2
}

// sampleBuffers returns the net's ε and z [batch, K] of one draw, for a
// caller that fills them (ε, then z by reparam) before sampled.
func (n *Net[F]) sampleBuffers() (eps, z []F) { return n.eps, n.z }

// SampleDraws is Sample for several draws of z at once, for measuring:
// eps holds draws blocks [batch, K], and each head runs once over all
// draws·batch rows (a product the pool splits, where draws small ones
// would each run on one core). It returns the logits [draws·batch, 10] of
// each head, draw after draw, the net's own slices: what Sample returns
// for each draw's eps (to the bit with the Go products; OpenBLAS may round
// a last bit otherwise for another number of rows). It keeps nothing for
// Backward.
func (n *Net[F]) SampleDraws(eps []F, draws int) (logits1, logits2 []F) {
	if !n.encoded {
		panic("vib: SampleDraws before Encode")
	}
	zs := n.drawBuffer(draws)
	n.zWork = zWork[F]{n: n, eps: eps, z: zs}
	n.pool.Run(&n.zWork, draws*n.batch, zGrain)
	n.zWork = zWork[F]{}
	return n.sampledDraws(draws)
}

// drawBuffer returns the net's z [draws·batch, K] for SampleDraws, or for
// a caller that fills it (with ε, then z in place by reparam) before
// sampledDraws.
func (n *Net[F]) drawBuffer(draws int) []F {
	n.zs = grow(n.zs, draws*n.batch*n.k)
	return n.zs
}

// sampledDraws runs both heads on the draws of z in drawBuffer.
func (n *Net[F]) sampledDraws(draws int) (logits1, logits2 []F) {
	rows := draws * n.batch
	n.outs1, n.outs2 = grow(n.outs1, rows*10), grow(n.outs2, rows*10)
	n.runHeads(n.outs1, n.outs2, n.zs, rows)
	return n.outs1, n.outs2
}

// zWork computes z = μ + σ·ε, rows [lo, hi) of all draws (one for
// Sample). It keeps the slices only while it runs.
type zWork[F nn.Float] struct {
	n      *Net[F]
	eps, z []F
}

// zGrain is the rows of z per block of zWork.
const zGrain = 64

func (w *zWork[F]) Range(lo, hi int) {
	k := w.n.k
	w.n.reparam(w.z[lo*k:hi*k], w.eps[lo*k:hi*k], lo*k)
}

// reparam sets z = μ + σ·ε at the positions [first, first+len(eps)) of
// draws·batch rows of K values, draw after draw (z may be eps itself).
func (n *Net[F]) reparam(z, eps []F, first int) {
	k := n.k
	for i := 0; i < len(eps); {
		r, j := (first+i)/k, (first+i)%k
		b := r % n.batch
		m := min(k-j, len(eps)-i)
		mu, sigma := n.st[b*2*k+j:b*2*k+j+m], n.sigma[b*k+j:b*k+j+m]
		zi, e := z[i:i+m], eps[i:i+m]
		for t := range zi {
			zi[t] = mu[t] + sigma[t]*e[t]
		}
		i += m
	}
}

// Loss are the parts of the loss of the last Sample, in nats, means over
// the batch: the two cross-entropies and the KL divergence of N(μ, σ²)
// from N(0, I).
type Loss struct {
	CE1, CE2, KL       float64
	Correct1, Correct2 int
}

// Bits is the VIB objective in bits, (CE₁ + CE₂ + β·KL)/ln 2.
func (l Loss) Bits(beta float64) float64 { return (l.CE1 + l.CE2 + beta*l.KL) / math.Ln2 }

// KL is the mean over the batch of KL(N(μ, σ²) ‖ N(0, I)) of the last
// Encode, in nats.
func (n *Net[F]) KL() float64 {
	var sum float64
	for _, kl := range n.rowKL[:n.batch] {
		sum += kl
	}
	return sum / float64(n.batch)
}

// Evaluate returns the loss parts of the last Sample against labels
// [batch, 2] without gradients.
func (n *Net[F]) Evaluate(labels []int32) Loss { return n.evaluateLogits(n.out1, n.out2, labels) }

// evaluateLogits is Evaluate of the heads' logits [batch, 10].
func (n *Net[F]) evaluateLogits(logits1, logits2 []F, labels []int32) Loss {
	ce1, c1 := nn.SoftmaxCrossEntropy[F](nil, logits1, labels, 2, n.batch, 10)
	ce2, c2 := nn.SoftmaxCrossEntropy[F](nil, logits2, labels[1:], 2, n.batch, 10)
	return Loss{CE1: ce1, CE2: ce2, KL: n.KL(), Correct1: c1, Correct2: c2}
}

// Backward computes the gradients of the objective in bits,
// (CE₁ + CE₂ + β·KL)/ln 2, of the last Sample against labels, adding them
// into Params' Grad, and returns the loss parts. β = 0 is the published
// training, whose loss is the cross-entropies alone.
func (n *Net[F]) Backward(labels []int32, beta float64) Loss {
	batch := n.batch
	ce1, c1 := nn.SoftmaxCrossEntropy(n.d1, n.out1, labels, 2, batch, 10)
	ce2, c2 := nn.SoftmaxCrossEntropy(n.d2, n.out2, labels[1:], 2, batch, 10)
	l := Loss{CE1: ce1, CE2: ce2, KL: n.KL(), Correct1: c1, Correct2: c2}
	bits := F(1 / math.Ln2)
	for i := range n.d1 {
		n.d1[i] *= bits
		n.d2[i] *= bits
	}
	n.headsBackward()
	n.gradWork = gradWork[F]{n: n, beta: beta}
	n.pool.Run(&n.gradWork, batch, 8)
	if n.sparseRate {
		n.stats.BackwardSparse(n.dSt, &n.rs)
		n.stats.BackwardInput(n.dRate, n.dSt, batch)
	} else {
		n.stats.Backward(n.dRate, n.dSt, n.rate, batch)
	}
	n.scaleBy(n.dRate, 1/F(n.steps))
	switch {
	case n.lif != nil:
		n.lif.BackwardStatic(n.dCur, n.dRate)
	case n.hh != nil:
		n.hh.BackwardStatic(n.dCur, n.dRate)
	case n.hhv != nil:
		n.hhv.BackwardStatic(n.dCur, n.dRate)
	default:
		n.slif.BackwardStatic(n.pool, n.dCur, n.dRate)
	}
	if n.sparseIn {
		n.proj.BackwardSparse(n.dCur, &n.xs)
	} else {
		n.proj.Backward(nil, n.dCur, n.x, batch)
	}
	return l
}

// gradWork is Backward's gradient of the statistics, dSt, over a range of
// samples: dz reaches μ as is and σ times ε; σ = softplus(s − 5) passes
// it to s times the sigmoid. The KL term adds c·μ and c·(σ − 1/σ).
type gradWork[F nn.Float] struct {
	n    *Net[F]
	beta float64
}

func (w *gradWork[F]) Range(lo, hi int) {
	n, k := w.n, w.n.k
	c := w.beta / math.Ln2 / float64(n.batch)
	for b := lo; b < hi; b++ {
		st, dSt := n.st[b*2*k:(b+1)*2*k], n.dSt[b*2*k:(b+1)*2*k]
		dz, eps := n.dz[b*k:(b+1)*k], n.eps[b*k:(b+1)*k]
		sigma, slope := n.sigma[b*k:(b+1)*k], n.slope[b*k:(b+1)*k]
		if dz32, ok := any(dz).([]float32); ok {
			statsGrad32(any(dSt).([]float32), dz32, any(eps).([]float32), any(st).([]float32),
				any(sigma).([]float32), any(slope).([]float32), float32(c))
			continue
		}
		for j, g := range dz {
			dMu, dSig := g, g*eps[j]
			if w.beta != 0 {
				s := float64(sigma[j])
				dMu += F(c * float64(st[j]))
				dSig += F(c * (s - 1/s))
			}
			dSt[j] = dMu
			dSt[k+j] = dSig * slope[j]
		}
	}
}

// statsGrad32 is gradWork's row in float32: dSt's halves from dz, ε, μ
// (the first half of st), σ and its slope, c·σ − c/σ rather than
// c·(σ − 1/σ) so that a σ far below 1/MaxFloat32 still gives a finite
// gradient.
func statsGrad32(dSt, dz, eps, st, sigma, slope []float32, c float32) {
	k := len(dz)
	dMu, dS, mu := dSt[:k], dSt[k:2*k], st[:k]
	eps, sigma, slope = eps[:k], sigma[:k], slope[:k]
	if c == 0 {
		for j, g := range dz {
			dMu[j] = g
			dS[j] = g * eps[j] * slope[j]
		}
		return
	}
	for j, g := range dz {
		s := sigma[j]
		dMu[j] = g + c*mu[j]
		dS[j] = (g*eps[j] + (c*s - c/s)) * slope[j]
	}
}

// headPair runs the two heads as one Linear(K → 20), head 1's outputs
// then head 2's: one product each way where two of ten columns each had
// cost twice as much (the tiles are 32 columns wide). The heads' own
// parameters stay the trainable ones; Encode copies them in.
type headPair[F nn.Float] struct {
	w, b  []F // [K, 20] and [20]
	out   []F // [rows, 20]
	d, dW []F // [batch, 20] and [K, 20]
}

// loadHeads copies the heads' weights and biases into the pair.
func (n *Net[F]) loadHeads() {
	h, k := &n.heads, n.k
	h.w, h.b = grow(h.w, k*20), grow(h.b, 20)
	for i := 0; i < k; i++ {
		copy(h.w[i*20:i*20+10], n.head1.W.Value[i*10:(i+1)*10])
		copy(h.w[i*20+10:(i+1)*20], n.head2.W.Value[i*10:(i+1)*10])
	}
	copy(h.b[:10], n.head1.B.Value)
	copy(h.b[10:], n.head2.B.Value)
}

// runHeads sets out1 and out2 [rows, 10] to the heads' logits of z
// [rows, K].
func (n *Net[F]) runHeads(out1, out2, z []F, rows int) {
	h := &n.heads
	h.out = grow(h.out, rows*20)
	tensor.Gemm(n.pool, false, false, rows, 20, n.k, 1, z, n.k, h.w, 20, 0, h.out, 20)
	for r := 0; r < rows; r++ {
		o, o1, o2 := h.out[r*20:(r+1)*20], out1[r*10:(r+1)*10], out2[r*10:(r+1)*10]
		for j := range o1 {
			o1[j], o2[j] = o[j]+h.b[j], o[10+j]+h.b[10+j]
		}
	}
}

// headsBackward adds the heads' gradients of the loss gradients d1 and d2
// [batch, 10] into their parameters and sets dz to the gradient of z.
func (n *Net[F]) headsBackward() {
	h, k, batch := &n.heads, n.k, n.batch
	h.d, h.dW = grow(h.d, batch*20), grow(h.dW, k*20)
	g1, g2 := n.head1.B.Grad, n.head2.B.Grad
	for b := 0; b < batch; b++ {
		d, d1, d2 := h.d[b*20:(b+1)*20], n.d1[b*10:(b+1)*10], n.d2[b*10:(b+1)*10]
		copy(d[:10], d1)
		copy(d[10:], d2)
		for j := range d1 {
			g1[j] += d1[j]
			g2[j] += d2[j]
		}
	}
	tensor.Gemm(n.pool, true, false, k, 20, batch, 1, n.z, k, h.d, 20, 0, h.dW, 20)
	w1, w2 := n.head1.W.Grad, n.head2.W.Grad
	for i := 0; i < k; i++ {
		tensor.Add(w1[i*10:(i+1)*10], h.dW[i*20:i*20+10])
		tensor.Add(w2[i*10:(i+1)*10], h.dW[i*20+10:(i+1)*20])
	}
	tensor.Gemm(n.pool, false, true, batch, k, 20, 1, h.d, 20, h.w, 20, 0, n.dz, k)
}

// scaleBy multiplies s by f on the pool (a serial pass over the rates
// had been a few per cent of a step).
func (n *Net[F]) scaleBy(s []F, f F) {
	n.mulWork = mulWork[F]{s: s, f: f}
	n.pool.Run(&n.mulWork, len(s), 1<<13)
	n.mulWork = mulWork[F]{}
}

// mulWork is scaleBy over [lo, hi).
type mulWork[F nn.Float] struct {
	s []F
	f F
}

func (w *mulWork[F]) Range(lo, hi int) {
	s := w.s[lo:hi]
	for i := range s {
		s[i] *= w.f
	}
}
