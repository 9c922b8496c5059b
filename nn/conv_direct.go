package nn

import (
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

// directConv is Conv2d's float32 engine for maps of several channels; it
// never forms im2col columns. Maps whose rows hold a vector (W ≥ 8) go by
// planes: each image's input (or output gradient) planes are copied with
// zero borders and convolved eight positions of a row at a time, sums in
// registers, straight into and out of the [C][batch][H][W] layout —
// forward and input gradient by tensor.PlaneSum, weight gradient by
// tensor.PlaneGrad. That work is dense; for many channel pairs
// (planeMaxPairs) the forward pass and weight gradient instead follow
// the input's nonzeros on zero-bordered channel-minor copies
// ([batch][H+2][W+2][C], channels padded to a multiple of 8), each image by
// its share of nonzeros:
//
//   - sparse (the usual case: pooled spikes, 70–95 % zeros in training):
//     over the nonzeros only, one input channel at a time, its kernel
//     rows (forward, tensor.StencilSpread) or its weights' sums (weight
//     gradient, tensor.StencilSum) in registers;
//   - dense (over a third nonzero): forward one output position at a time
//     (tensor.Gather) and the weight gradient one kernel row at a time
//     (tensor.Correlate).
//
// Narrow maps (W < 8) take the channel-minor path throughout, the input
// gradient one position at a time (tensor.Gather).
//
// Work is split over the images of the batch in fixed blocks; the weight
// gradient sums one partial per block, in block order, so results do not
// depend on the number of workers.
type directConv struct {
	c          *Conv2d[float32]
	cip, cop   int // channels padded to multiples of 8
	hp, wp     int // padded map sides
	wf, wb     []float32
	yp, dyp    []float32 // [batch][hp][wp][cop]
	dxp        []float32 // [batch][H][W][cip]
	partial    []float32 // per block [Taps][Cin][cop]
	xc         []float32 // per block: an input image, [Cin][hp][wp], zero borders
	fwdD, fwdS []int32   // forward Gather rows: output (×cop) and input positions
	fwdRowOff  [3]int
	vals       []float32        // per block: an image's nonzeros
	pos        []int32          // their row offsets
	ends       []int32          // per block: where each channel's nonzeros end
	fwdTap     [tensor.Taps]int // output rows an input feeds, per tap
	fwdW       [tensor.Taps]int // wf rows of each tap (input channel 0)
	wTapD      [tensor.Taps]int
	wTapS      [tensor.Taps]int
	dxRowOff   [3]int
	dxD, dxS   []int32 // dX rows of one image: dst (unpadded) and src (padded)
	// The input gradient, where rows are at least a vector long: dy's
	// planes zero-bordered per block, convolved eight positions of a row
	// at a time (tensor.PlaneSum) straight into dx, input channels in
	// blocks of at most tensor.PlaneSumMax.
	rows *tensor.PlaneRows
	// planeAll: forward and weight gradient by planes too (dense work,
	// no channel-minor copies), where the channel counts are small enough
	// that dense work costs less than the copies and scans of the sparse
	// kernels.
	planeAll   bool
	planeFit   bool      // few enough channel pairs for planeAll, unless the input is sparse
	dyPlanes   []float32 // per block [Cout][hp][wp]
	wdx        [][]float32
	dxBlocks   [][2]int  // input-channel ranges
	zeros      []float32 // the input gradient's bias
	xPlanes    []float32 // per block [Cin][hp][wp]
	wfwd       [][]float32
	fwdBlocks  [][2]int  // output-channel ranges
	bias       []float32 // times biasTimes
	biasImg    []float32 // [hp][wp][cop]: the bias at every position
	batch      int
	biasTimes  float32
	x, y       []float32 // the current call's maps ([C][batch][H][W])
	dy, dx     []float32
	goingBack  bool
	dyZeroSize int
}

// planeMaxPairs is the most input × output channel pairs for which the
// forward pass and the weight gradient go by planes, densely: measured,
// dense work pays over the sparse kernels' copies and scans for 10 × 10
// (LIF_conv, HH_conv, CNN) and 10 × 30 (LIF_hh_conv) channels, not for
// 40 × 40 (4LIF_conv), whose dense work is 16 times LIF_conv's.
const planeMaxPairs = 400

// convGrain is the number of images in a block of work.
const convGrain = 4

func roundUp8(n int) int { return (n + 7) &^ 7 }

func newDirectConv(c *Conv2d[float32]) *directConv {
	d := &directConv{c: c, cip: roundUp8(c.Cin), cop: roundUp8(c.Cout), hp: c.H + 2, wp: c.W + 2}
	for t := range tensor.Taps {
		ky, kx := t/3, t%3
		off := (ky-1)*d.wp + (kx - 1) // input position p feeds output p − off
		d.fwdTap[t] = -off * d.cop
		d.fwdW[t] = (ky*3*c.Cin + kx) * d.cop
		d.wTapD[t] = t * c.Cin * d.cop
		d.wTapS[t] = -off * d.cop
	}
	for r := range 3 {
		d.dxRowOff[r] = ((r-1)*d.wp - 1) * d.cop
	}
	for y := range c.H {
		for x := range c.W {
			p := (y+1)*d.wp + x + 1
			d.dxD = append(d.dxD, int32((y*c.W+x)*d.cip))
			d.dxS = append(d.dxS, int32(p*d.cop))
			d.fwdD = append(d.fwdD, int32(p*d.cop))
			d.fwdS = append(d.fwdS, int32(p))
		}
	}
	for r := range 3 {
		d.fwdRowOff[r] = (r-1)*d.wp - 1
	}
	if planeUsable(c.W) {
		d.rows = tensor.NewPlaneRows(c.H, c.W)
		nb := (c.Cin + tensor.PlaneSumMax - 1) / tensor.PlaneSumMax
		for k := range nb {
			d.dxBlocks = append(d.dxBlocks, [2]int{k * c.Cin / nb, (k + 1) * c.Cin / nb})
		}
		d.wdx = make([][]float32, nb)
		d.planeFit = c.Cin*c.Cout <= planeMaxPairs
		nf := (c.Cout + tensor.PlaneSumMax - 1) / tensor.PlaneSumMax
		for k := range nf {
			d.fwdBlocks = append(d.fwdBlocks, [2]int{k * c.Cout / nf, (k + 1) * c.Cout / nf})
		}
		d.wfwd = make([][]float32, nf)
		d.bias = make([]float32, c.Cout)
		d.zeros = make([]float32, tensor.PlaneSumMax)
	}
	return d
}

// weights lays W [Cout][Cin·9] out for the kernels: wf has rows
// (ky, ci, kx) of cop values (forward: tap t = 3ky+kx of input channel ci
// is row ci·3 + ky·3·Cin + kx), wb rows (r, co, kx') of cip values holding
// the flipped kernel W[co][ci][2−r][2−kx'] (the input gradient).
func (d *directConv) weights() {
	c := d.c
	w := c.Wt.Value
	// PlaneSum's weights of each block of outputs: [input][tap][output in
	// the block]; for the input gradient the inputs are dy's channels and
	// the kernel is flipped (dx at p takes dy at p − offset).
	planeWeights(d.wfwd, d.fwdBlocks, c.Cin, func(ci, t, co int) float32 { return w[co*c.Cin*9+ci*9+t] })
	planeWeights(d.wdx, d.dxBlocks, c.Cout, func(co, t, ci int) float32 { return w[co*c.Cin*9+ci*9+8-t] })
	if d.planeAll {
		return // the channel-minor layouts serve only the other path
	}
	d.wf = grow(d.wf, tensor.Taps*c.Cin*d.cop)
	d.wb = grow(d.wb, tensor.Taps*c.Cout*d.cip)
	clear(d.wf)
	clear(d.wb)
	for co := range c.Cout {
		for ci := range c.Cin {
			for ky := range 3 {
				for kx := range 3 {
					v := w[co*c.Cin*9+ci*9+ky*3+kx]
					d.wf[((ky*c.Cin+ci)*3+kx)*d.cop+co] = v
					d.wb[(((2-ky)*c.Cout+co)*3+(2-kx))*d.cip+ci] = v
				}
			}
		}
	}
}

// size grows the buffers the image's paths need: the bordered planes for
// the plane path, the channel-minor copies and nonzero lists for the
// other, the position-by-position input gradient's rows for narrow maps.
func (d *directConv) size(batch int) {
	d.batch = batch
	c := d.c
	blocks := (batch + convGrain - 1) / convGrain
	d.partial = grow(d.partial, blocks*d.partSize())
	if d.rows != nil && len(d.dyPlanes) < blocks*c.Cout*d.hp*d.wp {
		d.dyPlanes = make([]float32, blocks*c.Cout*d.hp*d.wp) // borders stay zero
	}
	if d.planeAll {
		if len(d.xPlanes) < blocks*c.Cin*d.hp*d.wp {
			d.xPlanes = make([]float32, blocks*c.Cin*d.hp*d.wp) // borders stay zero
		}
		return
	}
	n := batch * d.hp * d.wp
	d.yp = grow(d.yp, n*d.cop)
	if len(d.dyp) < n*d.cop || d.dyZeroSize != n*d.cop {
		// Borders and padded channels are never written: zero them once.
		d.dyp = grow(d.dyp, n*d.cop)
		clear(d.dyp)
		d.dyZeroSize = n * d.cop
	}
	if d.rows == nil {
		d.dxp = grow(d.dxp, batch*c.H*c.W*d.cip)
	}
	if len(d.xc) < blocks*c.Cin*d.hp*d.wp {
		d.xc = make([]float32, blocks*c.Cin*d.hp*d.wp) // borders stay zero
	}
	most := blocks * c.Cin * c.H * c.W // every input of an image nonzero
	d.vals = grow(d.vals, most)
	if len(d.ends) < blocks*c.Cin {
		d.ends = make([]int32, blocks*c.Cin)
	}
	if len(d.pos) < most {
		d.pos = make([]int32, most)
	}
}

func (d *directConv) forward(y, x []float32, batch int, biasTimes float32) {
	d.planeAll = d.planeFit && !d.c.FollowNonzeros
	d.size(batch)
	d.weights()
	d.x, d.y, d.biasTimes, d.goingBack = x, y, biasTimes, false
	for co, v := range d.c.B.Value {
		if d.bias != nil {
			d.bias[co] = biasTimes * v
		}
	}
	if !d.planeAll {
		// Every channel-minor output image starts as the bias.
		d.biasImg = grow(d.biasImg, d.hp*d.wp*d.cop)
		for p := 0; p < len(d.biasImg); p += d.cop {
			for co, v := range d.c.B.Value {
				d.biasImg[p+co] = biasTimes * v
			}
		}
	}
	d.c.Pool.Run(d, d.batch, convGrain) // a nil pool runs the blocks here
	d.x, d.y = nil, nil
}

// partSize is the length of a block's weight-gradient partial: eight
// lane sums per weight and bias for every input channel (tensor.PlaneGrad)
// on the plane path, a channel-minor row per tap and input channel
// otherwise.
func (d *directConv) partSize() int {
	if d.planeAll {
		return d.c.Cin * d.c.Cout * 80
	}
	return tensor.Taps * d.c.Cin * d.cop
}

func (d *directConv) backward(dx, dy, x []float32, batch int, biasTimes float32) {
	c := d.c
	d.planeAll = d.planeFit && !d.c.FollowNonzeros
	d.size(batch)
	d.weights()
	d.x, d.dy, d.dx, d.goingBack = x, dy, dx, true
	d.c.Pool.Run(d, d.batch, convGrain) // a nil pool runs the blocks here
	d.x, d.dy, d.dx = nil, nil, nil
	// Sum the blocks' partials in order into [Cout][Cin·9].
	blocks := (batch + convGrain - 1) / convGrain
	size := d.partSize()
	g := c.Wt.Grad
	if d.planeAll {
		for k := range blocks {
			part := d.partial[k*size:][:size]
			for ci := range c.Cin {
				for co := range c.Cout {
					sums := part[(ci*c.Cout+co)*80:][:80]
					for t := range tensor.Taps {
						g[co*c.Cin*9+ci*9+t] += sum8(sums[t*8 : t*8+8])
					}
					if ci == 0 {
						c.B.Grad[co] += biasTimes * sum8(sums[72:80])
					}
				}
			}
		}
		return
	}
	c.biasGrad(dy, batch*c.H*c.W, biasTimes)
	for k := range blocks {
		part := d.partial[k*size:][:size]
		for t := range tensor.Taps {
			for ci := range c.Cin {
				row := part[(t*c.Cin+ci)*d.cop:][:c.Cout]
				for co, v := range row {
					g[co*c.Cin*9+ci*9+t] += v
				}
			}
		}
	}
}

// Range runs forward or backward for images [lo, hi), one block.
func (d *directConv) Range(lo, hi int) {
	blk := lo / convGrain
	if !d.goingBack {
		for b := lo; b < hi; b++ {
			d.forwardImage(blk, b)
		}
		return
	}
	size := d.partSize()
	part := d.partial[blk*size:][:size]
	clear(part)
	for b := lo; b < hi; b++ {
		d.backwardImage(blk, part, b)
	}
}

// denseShare is the share of nonzero inputs above which an image is
// convolved densely (Gather, Correlate) rather than over its nonzeros
// (Stencil): a nonzero costs the scatter about three times what an input
// costs the dense kernels.
const denseShare = 1.0 / 3

// scan lists the nonzeros of image b of x [Cin][batch][H][W] in block
// blk's buffers, channel by channel: values and the row offsets of their
// padded positions (×cop); channel ci's end at ends[blk·Cin + ci].
// dense tells whether the image has enough nonzeros for the dense kernels;
// only then is it also copied into the block's zero-bordered
// channel-major buffer xc, which only they read.
func (d *directConv) scan(blk, b int) (xc, vals []float32, pos []int32, dense bool) {
	c := d.c
	hw, plane := c.H*c.W, d.hp*d.wp
	most := c.Cin * hw
	xc = d.xc[blk*c.Cin*plane:][:c.Cin*plane]
	vals, pos = d.vals[blk*most:][:most], d.pos[blk*most:][:most]
	n := 0
	for ci := range c.Cin {
		n += d.listPlane(vals[n:], pos[n:], d.x[(ci*d.batch+b)*hw:][:hw])
		d.ends[blk*c.Cin+ci] = int32(n)
	}
	dense = float64(n) > denseShare*float64(most)
	if dense {
		// Only the dense kernels read the bordered copy.
		tensor.PadPlanes(xc, plane, d.wp, d.x[b*hw:], d.batch*hw, c.Cin, c.H, c.W)
	}
	return xc, vals[:n], pos[:n], dense
}

// listPlane writes the nonzeros of the map in [H][W] to vals and their
// row offsets in the bordered channel-minor layout (×cop) to pos, which
// have room for all of in, and returns how many there are.
func (d *directConv) listPlane(vals []float32, pos []int32, in []float32) int {
	n, i0 := 0, 0
	if n8 := len(in) &^ 7; n8 > 0 {
		n, i0 = kernels.Compact(&pos[0], &vals[0], &in[0], n8, 0), n8
	}
	n += listNonzeros(vals[n:], pos[n:], in[i0:], int32(i0), 1)
	rs := int32(d.cop)
	for j, i := range pos[:n] {
		pos[j] = d.fwdS[i] * rs // fwdS: map position i's in the bordered layout
	}
	return n
}

// listNonzeros writes the nonzeros of in to vals and their offsets, at
// + i·step for in[i], to pos, and returns how many there are. It is a
// function of its own so that its few values stay in registers (inside
// scan the count was spilled, a store-to-load wait at every input).
//
//go:noinline
func listNonzeros(vals []float32, pos []int32, in []float32, at, step int32) int {
	vals, pos = vals[:len(in)], pos[:len(in)]
	k := 0
	for _, v := range in {
		vals[k], pos[k] = v, at
		k += nonzero(v)
		at += step
	}
	return k
}

// nonzero is 1 if v is not zero, else 0 (a SETcc, no branch).
func nonzero(v float32) int {
	if v != 0 {
		return 1
	}
	return 0
}

// forwardImage convolves image b: bias, the inputs' contributions, and
// the result back to y's [Cout][batch][H][W].
func (d *directConv) forwardImage(blk, b int) {
	c := d.c
	if d.planeAll {
		hw, plane := c.H*c.W, d.hp*d.wp
		xp := d.xPlanes[blk*c.Cin*plane:][:c.Cin*plane]
		tensor.PadPlanes(xp, plane, d.wp, d.x[b*hw:], d.batch*hw, c.Cin, c.H, c.W)
		for k, r := range d.fwdBlocks {
			tensor.PlaneSum(d.y[(r[0]*d.batch+b)*hw:], d.batch*hw, xp, plane, c.Cin, r[1]-r[0], d.wfwd[k], d.bias[r[0]:], d.rows)
		}
		return
	}
	img := d.yp[b*d.hp*d.wp*d.cop:][:d.hp*d.wp*d.cop]
	copy(img, d.biasImg)
	if xc, vals, pos, dense := d.scan(blk, b); dense {
		tensor.Gather(img, xc, d.wf, d.cop/8, c.Cin, 1, d.hp*d.wp, &d.fwdRowOff, d.fwdD, d.fwdS, false)
	} else {
		// One input channel at a time, its kernel rows in registers.
		first := 0
		for ci, end := range d.ends[blk*c.Cin:][:c.Cin] {
			tensor.StencilSpread(img, d.wf[ci*3*d.cop:], d.cop/8, &d.fwdTap, &d.fwdW, vals[first:end], pos[first:end])
			first = int(end)
		}
	}
	hw := c.H * c.W
	for yy := range c.H {
		// A map row's positions × channels into the channels' planes.
		tensor.Transpose(d.y[b*hw+yy*c.W:], d.batch*hw, img[((yy+1)*d.wp+1)*d.cop:], d.cop, c.W, c.Cout)
	}
}

// backwardImage adds image b's weight gradient to part and, if dx is
// wanted, writes its input gradient.
func (d *directConv) backwardImage(blk int, part []float32, b int) {
	c := d.c
	hw := c.H * c.W
	if d.planeAll {
		d.backwardPlanes(blk, part, b)
		return
	}
	// dy to [hp][wp][cop]; borders and padded channels stay zero.
	img := d.dyp[b*d.hp*d.wp*d.cop:][:d.hp*d.wp*d.cop]
	for yy := range c.H {
		tensor.Transpose(img[((yy+1)*d.wp+1)*d.cop:], d.cop, d.dy[b*hw+yy*c.W:], d.batch*hw, c.Cout, c.W)
	}
	if xc, vals, pos, dense := d.scan(blk, b); dense {
		plane := d.hp * d.wp
		for ci := range c.Cin {
			for ky := range 3 {
				tensor.Correlate(part[(3*ky*c.Cin+ci)*d.cop:], c.Cin*d.cop, xc[ci*plane+ky*d.wp:][:plane-ky*d.wp],
					d.wp, img[(d.wp+1)*d.cop:], d.wp*d.cop, d.cop, d.cop/8, c.H, c.W)
			}
		}
	} else {
		// One input channel at a time, its weights' sums in registers.
		first := 0
		for ci, end := range d.ends[blk*c.Cin:][:c.Cin] {
			tensor.StencilSum(part[ci*d.cop:], img, d.cop/8, &d.wTapD, &d.wTapS, vals[first:end], pos[first:end])
			first = int(end)
		}
	}
	if d.dx == nil {
		return
	}
	if d.rows != nil {
		d.planeInputGrad(blk, b)
		return
	}
	dimg := d.dxp[b*hw*d.cip:][:hw*d.cip]
	clear(dimg)
	tensor.Gather(dimg, img, d.wb, d.cip/8, c.Cout, d.cop, 1, &d.dxRowOff, d.dxD, d.dxS, false)
	for ci := range c.Cin {
		out := d.dx[(ci*d.batch+b)*hw:][:hw]
		for i := range out {
			out[i] = dimg[i*d.cip+ci]
		}
	}
}

// backwardPlanes is backwardImage on maps with rows of a vector or more:
// the weight and bias gradients one input plane at a time against every
// output plane (tensor.PlaneGrad), the input gradient from dy's
// zero-bordered planes (tensor.PlaneSum); dy and dx stay in the map
// layout.
func (d *directConv) backwardPlanes(blk int, part []float32, b int) {
	c := d.c
	hw, plane := c.H*c.W, d.hp*d.wp
	xp := d.xPlanes[blk*c.Cin*plane:][:c.Cin*plane]
	tensor.PadPlanes(xp, plane, d.wp, d.x[b*hw:], d.batch*hw, c.Cin, c.H, c.W)
	for ci := range c.Cin {
		tensor.PlaneGrad(part[ci*c.Cout*80:], d.dy[b*hw:], d.batch*hw, xp[ci*plane:][:plane], d.rows, c.Cout)
	}
	if d.dx != nil {
		d.planeInputGrad(blk, b)
	}
}

// planeInputGrad writes image b's input gradient from dy's zero-bordered
// planes (tensor.PlaneSum), straight into dx's map layout.
func (d *directConv) planeInputGrad(blk, b int) {
	c := d.c
	hw, plane := c.H*c.W, d.hp*d.wp
	dyp := d.dyPlanes[blk*c.Cout*plane:][:c.Cout*plane]
	tensor.PadPlanes(dyp, plane, d.wp, d.dy[b*hw:], d.batch*hw, c.Cout, c.H, c.W)
	for k, r := range d.dxBlocks {
		tensor.PlaneSum(d.dx[(r[0]*d.batch+b)*hw:], d.batch*hw, dyp, plane, c.Cout, r[1]-r[0], d.wdx[k], d.zeros, d.rows)
	}
}

// planeWeights lays out PlaneSum's weights for each block of outputs:
// dst[k][(in·9 + t)·size + j] = weight(in, t, first output of block k + j).
func planeWeights(dst [][]float32, blocks [][2]int, inputs int, weight func(in, t, out int) float32) {
	for k, r := range blocks {
		size := r[1] - r[0]
		dst[k] = grow(dst[k], inputs*tensor.Taps*size)
		for in := range inputs {
			for t := range tensor.Taps {
				for j := range size {
					dst[k][(in*tensor.Taps+t)*size+j] = weight(in, t, r[0]+j)
				}
			}
		}
	}
}
