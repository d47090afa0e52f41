package rdb

import "fmt"

// lzfDecompress expands LZF data (as liblzf writes it) into exactly outLen
// bytes.
func lzfDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	i := 0
	for i < len(in) {
		ctrl := int(in[i])
		i++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			n := ctrl + 1
			if i+n > len(in) || len(out)+n > outLen {
				return nil, fmt.Errorf("decompress lzf: literal overruns: %w", ErrCorrupt)
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, fmt.Errorf("decompress lzf: short back-reference: %w", ErrCorrupt)
			}
			n += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, fmt.Errorf("decompress lzf: short back-reference: %w", ErrCorrupt)
		}
		ref := len(out) - (ctrl&0x1f)<<8 - int(in[i]) - 1
		i++
		n += 2
		if ref < 0 || len(out)+n > outLen {
			return nil, fmt.Errorf("decompress lzf: back-reference out of range: %w", ErrCorrupt)
		}
		for k := 0; k < n; k++ { // byte by byte: the ranges may overlap
			out = append(out, out[ref+k])
		}
	}
	if len(out) != outLen {
		return nil, fmt.Errorf("decompress lzf: got %d bytes, want %d: %w", len(out), outLen, ErrCorrupt)
	}
	return out, nil
}
