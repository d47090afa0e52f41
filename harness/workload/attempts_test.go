package workload

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestAttemptHookNotesReadTimeout sends a SET to a server that reads and
// never answers: the attempt timed out, so the hook must note it as
// ambiguous (go-redis puts that error on the command only after the hooks
// returned, so cmd.Err() inside the hook is still nil).
func TestAttemptHookNotesReadTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // read forever, answer nothing
				buf := make([]byte, 512)
				for {
					if _, err := c.Read(buf); err != nil {
						_ = c.Close()
						return
					}
				}
			}()
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1, ReadTimeout: 100 * time.Millisecond, Protocol: 2, DisableIdentity: true})
	defer client.Close()
	client.AddHook(attemptHook{})
	log := &attemptLog{}
	ctx := context.WithValue(context.Background(), attemptKey{}, log)
	if err := client.Set(ctx, "k", "v", 0).Err(); err == nil {
		t.Fatal("SET to a silent server succeeded")
	}
	n, ambiguous := log.get()
	if n != 1 || ambiguous == nil {
		t.Errorf("attempts %d, ambiguous %v: want 1 attempt noted as ambiguous (a read timeout)", n, ambiguous)
	}
}
