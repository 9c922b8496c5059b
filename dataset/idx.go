package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// IDX is the content of an IDX file of unsigned bytes (type 0x08), the
// format of MNIST and Fashion-MNIST: a shape and the bytes in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXBytes bounds what a header may ask for (the largest file of either
// source holds 47 MB).
const maxIDXBytes = 1 << 30

// maxDeflateRatio is the most a deflate stream can expand (1032:1), so a
// gzip file of n bytes holds at most n·maxDeflateRatio bytes of data.
const maxDeflateRatio = 1032

// ErrIDX wraps every format error of an IDX file, so callers can tell bad
// data from I/O trouble.
var ErrIDX = errors.New("not a valid IDX file")

func idxErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIDX, fmt.Sprintf(format, args...))
}

// ReadIDX reads an IDX file of unsigned bytes from r, gzip-compressed or
// not (told apart by the gzip magic number). It checks the magic number,
// the element type, every dimension, that the data is complete and that
// nothing follows it. Memory follows the data actually present, never a
// header's claim: when r tells its length (as *bytes.Reader does) a shape
// larger than the bytes could hold is refused at once, otherwise the data
// is read in growing pieces.
func ReadIDX(r io.Reader) (*IDX, error) {
	avail := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		avail = int64(l.Len())
	}
	return readIDX(r, avail)
}

// readIDX reads from r, which holds avail bytes in all (−1: unknown).
func readIDX(r io.Reader, avail int64) (*IDX, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip header: %v", ErrIDX, err)
		}
		defer zr.Close()
		if avail >= 0 {
			avail *= maxDeflateRatio
		}
		return readRawIDX(bufio.NewReader(zr), avail, true)
	}
	return readRawIDX(br, avail, false)
}

// readRawIDX reads uncompressed IDX bytes; avail bounds them (−1: no
// bound), a gzip stream's bound coming from its compressed size.
func readRawIDX(r *bufio.Reader, avail int64, gz bool) (*IDX, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, idxErrorf("truncated header: %d of 4 bytes", n)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, idxErrorf("bad magic number % x (want 00 00 08 <ndims>)", magic)
	}
	if magic[2] != 0x08 {
		return nil, idxErrorf("element type 0x%02x, only unsigned bytes (0x08) are supported", magic[2])
	}
	ndims := int(magic[3])
	if ndims < 1 || ndims > 4 {
		return nil, idxErrorf("%d dimensions, want 1 to 4", ndims)
	}
	dims := make([]int, ndims)
	size := 1
	for i := range dims {
		var b [4]byte
		if n, err := io.ReadFull(r, b[:]); err != nil {
			return nil, idxErrorf("truncated header: dimension %d has %d of 4 bytes", i, n)
		}
		d := binary.BigEndian.Uint32(b[:])
		if d == 0 {
			return nil, idxErrorf("dimension %d is 0", i)
		}
		if uint64(d)*uint64(size) > maxIDXBytes {
			return nil, idxErrorf("shape asks for more than %d bytes", maxIDXBytes)
		}
		dims[i] = int(d)
		size *= int(d)
	}
	header := int64(4 + 4*ndims)
	if avail >= 0 && int64(size) > avail-header {
		if gz {
			return nil, idxErrorf("shape %v needs %d data bytes, more than the compressed file can hold", dims, size)
		}
		return nil, idxErrorf("truncated: shape %v needs %d data bytes, the file has %d", dims, size, max(avail-header, 0))
	}
	data, err := readData(r, size, avail >= 0)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, idxErrorf("truncated: shape %v needs %d data bytes, the file has %d", dims, size, len(data))
		}
		return nil, fmt.Errorf("%w: reading data: %v", ErrIDX, err)
	}
	switch _, err := r.ReadByte(); {
	case err == nil:
		return nil, idxErrorf("data continues past the %d bytes of shape %v", size, dims)
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: %v", ErrIDX, err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readData reads size bytes: at once when the file is known to hold them,
// else in pieces that grow with what arrives. On a short read it returns
// the bytes read and io.ErrUnexpectedEOF.
func readData(r io.Reader, size int, bounded bool) ([]byte, error) {
	if bounded {
		data := make([]byte, size)
		n, err := io.ReadFull(r, data)
		return data[:n], err
	}
	var buf bytes.Buffer
	buf.Grow(min(size, 1<<16))
	n, err := buf.ReadFrom(io.LimitReader(r, int64(size)))
	if err == nil && n < int64(size) {
		err = io.ErrUnexpectedEOF
	}
	return buf.Bytes(), err
}

// ReadIDXFile reads the IDX file at path; errors name the file. The file's
// size bounds what its header may ask for.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	avail := int64(-1)
	if st.Mode().IsRegular() {
		avail = st.Size()
	}
	idx, err := readIDX(f, avail)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

// WriteIDX writes x in the IDX format (uncompressed).
func WriteIDX(w io.Writer, x *IDX) error {
	size := 1
	for _, d := range x.Dims {
		size *= d
	}
	if len(x.Dims) < 1 || len(x.Dims) > 4 || size != len(x.Data) {
		return fmt.Errorf("dataset: WriteIDX: shape %v does not hold %d bytes", x.Dims, len(x.Data))
	}
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0x08, byte(len(x.Dims))})
	for _, d := range x.Dims {
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(d)))
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(x.Data)
	return err
}

// Images is a set of grey images with their class labels.
type Images struct {
	N, Rows, Cols int
	Pixels        []byte // N·Rows·Cols, image-major, row-major within an image
	Labels        []byte // N classes 0–9
}

// Image returns the pixels of image i (a view).
func (s *Images) Image(i int) []byte {
	n := s.Rows * s.Cols
	return s.Pixels[i*n : (i+1)*n]
}

// ReadImages reads a pair of IDX files (images [N,rows,cols], labels [N])
// and checks that they agree and that every label is a class 0–9.
func ReadImages(imagesPath, labelsPath string) (*Images, error) {
	im, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(im.Dims) != 3 {
		return nil, fmt.Errorf("%s: %w: shape %v, want [N rows cols]", imagesPath, ErrIDX, im.Dims)
	}
	lb, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(lb.Dims) != 1 {
		return nil, fmt.Errorf("%s: %w: shape %v, want [N]", labelsPath, ErrIDX, lb.Dims)
	}
	if lb.Dims[0] != im.Dims[0] {
		return nil, fmt.Errorf("%s has %d labels but %s has %d images", labelsPath, lb.Dims[0], imagesPath, im.Dims[0])
	}
	for i, c := range lb.Data {
		if c > 9 {
			return nil, fmt.Errorf("%s: %w: label %d of item %d is not a class 0–9", labelsPath, ErrIDX, c, i)
		}
	}
	return &Images{N: im.Dims[0], Rows: im.Dims[1], Cols: im.Dims[2], Pixels: im.Data, Labels: lb.Data}, nil
}

// WriteSourceDir writes train and test as the four gzip-compressed IDX
// files of a source folder (the layout Locator searches), e.g. to run the
// tools on other 28×28 data.
func WriteSourceDir(dir string, train, test *Images) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range []struct {
		split Split
		set   *Images
	}{{Train, train}, {Test, test}} {
		imName, lbName := fileNames(p.split)
		files := []struct {
			name string
			idx  *IDX
		}{
			{imName, &IDX{Dims: []int{p.set.N, p.set.Rows, p.set.Cols}, Data: p.set.Pixels}},
			{lbName, &IDX{Dims: []int{p.set.N}, Data: p.set.Labels}},
		}
		for _, f := range files {
			if err := writeGzipIDX(filepath.Join(dir, f.name+".gz"), f.idx); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeGzipIDX(path string, x *IDX) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	err = WriteIDX(zw, x)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
