package backup

import (
	"errors"
	"io"
)

// Stream pipeline sizes: at most pipeChunks chunks of pipeChunkSize bytes
// wait in each queue, so a slow disk or verifier never stalls the socket
// for long and memory stays bounded (≈ 2 × 8 MB).
const (
	pipeChunkSize = 256 << 10
	pipeChunks    = 32
)

// chunk is one piece of the stream, or its end (err != nil, io.EOF at a
// clean end).
type chunk struct {
	data []byte
	err  error
}

// readAhead reads src in a goroutine so receiving from the network overlaps
// with verifying, hashing and writing.
func readAhead(src io.Reader) <-chan chunk {
	ch := make(chan chunk, pipeChunks)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, pipeChunkSize)
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				ch <- chunk{data: buf[:n]}
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				ch <- chunk{err: io.EOF}
				return
			}
			if err != nil {
				ch <- chunk{err: err}
				return
			}
		}
	}()
	return ch
}

// sinkWriter hashes and writes chunks in its own goroutine.
type sinkWriter struct {
	ch   chan []byte
	done chan error
}

// newSink starts a goroutine writing every chunk to w (first error wins;
// later chunks are dropped).
func newSink(w io.Writer) *sinkWriter {
	s := &sinkWriter{ch: make(chan []byte, pipeChunks), done: make(chan error, 1)}
	go func() {
		var err error
		for p := range s.ch {
			if err == nil {
				_, err = w.Write(p)
			}
		}
		s.done <- err
	}()
	return s
}

// close waits for every queued chunk to be written.
func (s *sinkWriter) close() error {
	close(s.ch)
	return <-s.done
}

// teeChunks is an io.Reader over read-ahead chunks that hands each chunk to
// the sink as it is consumed. Chunks are never modified after reading, so
// both sides share them without copying.
type teeChunks struct {
	in   <-chan chunk
	sink *sinkWriter
	cur  []byte
	err  error
	n    int64
}

func (t *teeChunks) Read(p []byte) (int, error) {
	for len(t.cur) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		c, ok := <-t.in
		if !ok {
			t.err = io.ErrUnexpectedEOF
			continue
		}
		if c.err != nil {
			t.err = c.err
			continue
		}
		t.cur = c.data
		t.sink.ch <- c.data
	}
	n := copy(p, t.cur)
	t.cur = t.cur[n:]
	t.n += int64(n)
	return n, nil
}
