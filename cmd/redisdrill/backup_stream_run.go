package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redisdrill/redisdrill/internal/rediskit"
	"github.com/redisdrill/redisdrill/recovery/backup"
	"github.com/redisdrill/redisdrill/recovery/backup/archive"
	"github.com/redisdrill/redisdrill/recovery/remote"
)

// streamer runs the archivers of one backup stream command.
type streamer struct {
	a       *app
	ep      endpoint
	cluster bool
	root    string

	mu   sync.Mutex
	arcs []*streamArchive
}

// streamArchive is one archive: the shard it follows (by lowest slot, -1
// standalone) and its archiver.
type streamArchive struct {
	name    string
	lowSlot int
	addr    string
	arc     *archive.Archiver
	dir     string
}

// primaries returns each serving primary's address by its lowest slot
// (one entry at -1 for a server that is not a cluster).
func (s *streamer) primaries(ctx context.Context) (map[int]string, error) {
	if !s.cluster {
		return map[int]string{-1: s.ep.addr}, nil
	}
	c := redis.NewClient(&redis.Options{
		Addr: s.ep.addr, Username: s.ep.username, Password: s.ep.password, Dialer: s.dialer(),
		DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1,
		Protocol: 2, DisableIdentity: true,
	})
	defer c.Close()
	raw, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster nodes via %s: %w", s.ep.addr, err)
	}
	view, err := rediskit.ParseClusterNodes(raw)
	if err != nil {
		return nil, fmt.Errorf("read cluster nodes via %s: %w", s.ep.addr, err)
	}
	out := map[int]string{}
	for _, cn := range view {
		if cn.IsPrimary() && !cn.Has("fail") && len(cn.Slots) > 0 {
			out[cn.Slots[0][0]] = cn.Addr
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read cluster nodes via %s: no primary serves a slot", s.ep.addr)
	}
	return out, nil
}

func (s *streamer) dialer() remote.DialFunc {
	if s.ep.tls == nil {
		return nil
	}
	return remote.Dialer(nil, s.ep.tls)
}

// start starts one archiver per primary; every archive is resumed when
// its folder already holds one.
func (s *streamer) start(ctx context.Context) error {
	prim, err := s.primaries(ctx)
	if err != nil {
		return err
	}
	slots := make([]int, 0, len(prim))
	for low := range prim {
		slots = append(slots, low)
	}
	sort.Ints(slots)
	newRoot := !streamPathExists(s.root)
	for _, low := range slots {
		addr := prim[low]
		name := archiveName(addr, low)
		dir := filepath.Join(s.root, name)
		newDir := !streamPathExists(dir)
		arc, err := archive.Start(ctx, archive.Options{
			Addr: addr, Dir: dir, Logger: s.a.logger.With("archive", name),
			Node: backup.NodeOptions{Username: s.ep.username, Password: s.ep.password, TLS: s.ep.tls},
		})
		if err != nil {
			// A refused start (authentication, ACL, Ctrl-C) leaves no
			// archive without a base behind for backup check to pass.
			if newDir {
				_ = os.RemoveAll(dir)
				if newRoot {
					_ = os.Remove(s.root) // only when empty
				}
			}
			return fmt.Errorf("start archive %s of %s: %w", name, addr, err)
		}
		s.mu.Lock()
		s.arcs = append(s.arcs, &streamArchive{name: name, lowSlot: low, addr: addr, arc: arc, dir: dir})
		s.mu.Unlock()
		s.a.printf("%s: following %s into %s\n", name, addr, dir)
	}
	return nil
}

// follow prints every archive's progress each interval until ctx ends;
// with --cluster it moves an archive to its shard's new primary after a
// failover.
func (s *streamer) follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.cluster {
			s.refollow(ctx)
		}
		for _, sa := range s.list() {
			s.a.printf("%s\n", progressLine(sa.name, sa.arc.Stats()))
		}
	}
}

// refollow points each shard's archiver at its primary as CLUSTER NODES
// now names it.
func (s *streamer) refollow(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	prim, err := s.primaries(cctx)
	if err != nil {
		return
	}
	for _, sa := range s.list() {
		if addr, ok := prim[sa.lowSlot]; ok && addr != sa.addr {
			s.a.printf("%s: primary moved %s -> %s: continuing from it\n", sa.name, sa.addr, addr)
			sa.addr = addr
			sa.arc.Follow(addr)
		}
	}
}

// streamPathExists reports whether path exists (an unreadable one counts as
// existing: it is never removed).
func streamPathExists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func (s *streamer) list() []*streamArchive {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*streamArchive(nil), s.arcs...)
}

// progressLine is one archive's state: what is durable, how far behind.
func progressLine(name string, st archive.Stats) string {
	state := "connected"
	if !st.Connected {
		state = "reconnecting"
		if st.LastError != "" {
			state += " (" + st.LastError + ")"
		}
	}
	return fmt.Sprintf("%s: %s, durable offset %d, lag %d B / %.0f ms (p99 %.0f ms), %d bases, %d segments, %d gaps",
		name, state, st.DurableOffset, st.LagBytes, st.LagMS, st.LagP99MS, st.Bases, st.Segments, st.Gaps)
}

// close stops every archiver without checking.
func (s *streamer) close() {
	for _, sa := range s.list() {
		_ = sa.arc.Close()
	}
}

// finish seals and stops every archiver, checks every archive and prints
// a summary; an archive that does not check clean fails the command.
func (s *streamer) finish() error {
	var bad []string
	var errs []error
	for _, sa := range s.list() {
		if err := sa.arc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close archive %s: %w", sa.name, err))
		}
		st := sa.arc.Stats()
		rep, err := archive.Check(sa.dir)
		switch {
		case err != nil:
			bad = append(bad, sa.name)
			s.a.printf("FAIL %s: %v\n", sa.name, err)
		case !rep.OK:
			bad = append(bad, sa.name)
			s.a.printf("FAIL %s:\n", sa.name)
			for _, p := range rep.Problems {
				s.a.printf("     %s\n", p)
			}
		default:
			s.a.printf("ok   %s: durable offset %d, %d bases, %d segments, %d gaps, lag p50 %.0f ms p99 %.0f ms max %.0f ms\n",
				sa.name, st.DurableOffset, st.Bases, st.Segments, st.Gaps, st.LagP50MS, st.LagP99MS, st.LagMaxMS)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(bad) > 0 {
		return failed(fmt.Errorf("%d archives do not check clean: %v", len(bad), bad))
	}
	return nil
}
