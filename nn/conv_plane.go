package nn

import "github.com/hhnet/hhnet/tensor"

// planeConv is Conv2d's float32 engine for one input channel (the conv
// models' first convolution, on the image) when no input gradient is
// wanted: each image is copied into a zero-bordered map and convolved
// eight positions of a row at a time (tensor.Plane, tensor.PlaneGrad),
// straight into and out of the [Cout][batch][H][W] layout — no columns, no
// change of layout. Rows whose width is not a multiple of 8 end with a
// vector overlapping the one before it; the weight gradient skips the
// repeated lanes.
//
// Work is split by image in fixed blocks and the gradient sums one
// partial per block in block order, so results do not depend on the number
// of workers.
type planeConv struct {
	c         *Conv2d[float32]
	row       int       // padded row length, W+2
	xp        []float32 // per block: one padded image
	partial   []float32 // per block: [Cout][10][8] sums (nine taps and the bias)
	bias      []float32 // the bias times biasTimes
	rows      *tensor.PlaneRows
	batch     int
	x, y, dy  []float32
	goingBack bool
}

// planeUsable tells whether a map of width w has room for one vector per row.
func planeUsable(w int) bool { return w >= 8 }

func newPlaneConv(c *Conv2d[float32]) *planeConv {
	return &planeConv{c: c, row: c.W + 2, bias: make([]float32, c.Cout), rows: tensor.NewPlaneRows(c.H, c.W)}
}

func (p *planeConv) size(batch int) {
	p.batch = batch
	blocks := (batch + convGrain - 1) / convGrain
	if n := blocks * (p.c.H + 2) * p.row; len(p.xp) < n {
		p.xp = make([]float32, n) // borders stay zero
	}
	p.partial = grow(p.partial, blocks*p.c.Cout*80)
}

func (p *planeConv) forward(y, x []float32, batch int, biasTimes float32) {
	p.size(batch)
	for co, b := range p.c.B.Value {
		p.bias[co] = biasTimes * b
	}
	p.x, p.y, p.goingBack = x, y, false
	p.c.Pool.Run(p, p.batch, convGrain) // a nil pool runs the blocks here
	p.x, p.y = nil, nil
}

func (p *planeConv) backward(dy, x []float32, batch int, biasTimes float32) {
	c := p.c
	p.size(batch)
	p.x, p.dy, p.goingBack = x, dy, true
	p.c.Pool.Run(p, p.batch, convGrain) // a nil pool runs the blocks here
	p.x, p.dy = nil, nil
	blocks := (batch + convGrain - 1) / convGrain
	for k := range blocks {
		part := p.partial[k*c.Cout*80:][:c.Cout*80]
		for co := range c.Cout {
			for t := range tensor.Taps + 1 {
				var s float32
				for _, v := range part[(co*10+t)*8:][:8] {
					s += v
				}
				if t < tensor.Taps {
					c.Wt.Grad[co*tensor.Taps+t] += s
				} else {
					c.B.Grad[co] += biasTimes * s
				}
			}
		}
	}
}

// Range runs forward or backward for images [lo, hi), one block.
func (p *planeConv) Range(lo, hi int) {
	c := p.c
	blk := lo / convGrain
	hw, n := c.H*c.W, p.batch*c.H*c.W
	xp := p.xp[blk*(c.H+2)*p.row:][:(c.H+2)*p.row]
	part := p.partial[blk*c.Cout*80:][:c.Cout*80]
	if p.goingBack {
		clear(part)
	}
	for b := lo; b < hi; b++ {
		tensor.PadPlanes(xp, 0, p.row, p.x[b*hw:][:hw], 0, 1, c.H, c.W)
		if p.goingBack {
			tensor.PlaneGrad(part, p.dy[b*hw:], n, xp, p.rows, c.Cout)
		} else {
			tensor.Plane(p.y[b*hw:], n, xp, p.rows, c.Wt.Value, p.bias)
		}
	}
}
