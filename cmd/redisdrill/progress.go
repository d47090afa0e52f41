package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// isTerminal reports whether w is a character device (an interactive
// terminal). CI logs are files or pipes: they get plain lines only.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// spinner shows "⠋ label 12.3s" on one redrawn line while a long step runs,
// only on a terminal. stop clears the line.
type spinner struct {
	stop func()
}

func startSpinner(w io.Writer, label string) spinner {
	if !isTerminal(w) {
		return spinner{stop: func() {}}
	}
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(w, "\r\033[K%c %s %.1fs", frames[i%len(frames)], label, time.Since(start).Seconds())
			}
		}
	}()
	var once sync.Once
	return spinner{stop: func() { once.Do(func() { close(done); wg.Wait() }) }}
}
