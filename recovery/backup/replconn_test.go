package backup

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestMarkReader(t *testing.T) {
	mark := strings.Repeat("m", eofMarkLen)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 50000)
	// One byte at a time and large reads must both stop exactly at the mark.
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(append(append([]byte(nil), payload...), mark...))),
		"whole":    bytes.NewReader(append(append([]byte(nil), payload...), mark...)),
	} {
		got, err := io.ReadAll(&markReader{r: r, mark: []byte(mark)})
		if err != nil || !bytes.Equal(got, payload) {
			t.Errorf("%s: got %d bytes, err %v", name, len(got), err)
		}
	}
	_, err := io.ReadAll(&markReader{r: bytes.NewReader(payload), mark: []byte(mark)})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("stream without mark: want ErrUnexpectedEOF, got %v", err)
	}
	_, err = io.ReadAll(&exactReader{r: io.LimitReader(bytes.NewReader(payload[:10]), 20), left: 20})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short $len payload: want ErrUnexpectedEOF, got %v", err)
	}
}
