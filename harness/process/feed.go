package process

import (
	"context"
	"sync"
	"time"
)

// feedHistory is how many past events a feed keeps for replay.
const feedHistory = 1024

// feed is an in-memory event stream with a short history: publish never
// blocks (every subscriber has its own unbounded queue), and a new
// subscriber can replay the history from a given instant.
type feed[T any] struct {
	timeOf func(T) time.Time

	mu      sync.Mutex
	history []T
	subs    map[*feedSub[T]]struct{}
}

// feedSub is one subscriber's queue.
type feedSub[T any] struct {
	mu    sync.Mutex
	queue []T
	wake  chan struct{}
}

func newFeed[T any](timeOf func(T) time.Time) *feed[T] {
	return &feed[T]{timeOf: timeOf, subs: map[*feedSub[T]]struct{}{}}
}

// publish records v and hands it to every subscriber.
func (f *feed[T]) publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history = append(f.history, v)
	if len(f.history) > feedHistory {
		f.history = append([]T(nil), f.history[len(f.history)-feedHistory:]...)
	}
	for s := range f.subs {
		s.push(v)
	}
}

// subscribe streams every event published from now on until ctx ends,
// preceded, when replay is set, by the history's events at or after since
// (all of it when since is zero). The channel closes when ctx ends.
func (f *feed[T]) subscribe(ctx context.Context, since time.Time, replay bool) <-chan T {
	s := &feedSub[T]{wake: make(chan struct{}, 1)}
	f.mu.Lock()
	if replay {
		for _, v := range f.history {
			if !f.timeOf(v).Before(since) {
				s.queue = append(s.queue, v)
			}
		}
	}
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	out := make(chan T)
	go func() {
		defer close(out)
		defer func() {
			f.mu.Lock()
			delete(f.subs, s)
			f.mu.Unlock()
		}()
		for {
			v, ok := s.pop()
			if !ok {
				select {
				case <-s.wake:
					continue
				case <-ctx.Done():
					return
				}
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (s *feedSub[T]) push(v T) {
	s.mu.Lock()
	s.queue = append(s.queue, v)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *feedSub[T]) pop() (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var zero T
	if len(s.queue) == 0 {
		return zero, false
	}
	v := s.queue[0]
	s.queue[0] = zero
	s.queue = s.queue[1:]
	return v, true
}
