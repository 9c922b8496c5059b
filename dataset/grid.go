package dataset

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Grid draws the first n images of m in a grid, each magnified by scale
// and captioned with its two labels ("a/b").
func Grid(m *Multi, n, scale int) *image.Gray {
	n = min(n, m.N)
	cols := 1
	for cols*cols < n {
		cols++
	}
	rows := (n + cols - 1) / cols
	const pad, caption = 4, 14
	cell := Size * scale
	w := cols*(cell+pad) + pad
	h := rows*(cell+caption+pad) + pad
	img := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 96}), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	for k := 0; k < n; k++ {
		x0 := pad + (k%cols)*(cell+pad)
		y0 := pad + (k/cols)*(cell+caption+pad)
		px := m.Image(k)
		for y := 0; y < cell; y++ {
			for x := 0; x < cell; x++ {
				img.SetGray(x0+x, y0+y, color.Gray{Y: px[(y/scale)*Size+x/scale]})
			}
		}
		d := font.Drawer{Dst: img, Src: image.White, Face: face,
			Dot: fixed.P(x0+2, y0+cell+caption-3)}
		d.DrawString(fmt.Sprintf("%d/%d", m.Labels[2*k], m.Labels[2*k+1]))
	}
	return img
}
