package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// shardFlag is drill's --shard i/n: run shard i (1-based) of a split of
// the selected scenarios into n shards (splitShards). "all/n" is accepted
// by --list only, to print the whole split. A malformed value fails at
// flag parse (exit 2).
type shardFlag struct {
	// index is the shard to run, 1..count; 0 with all.
	index int
	// count is the number of shards; 0 when the flag is unset.
	count int
	// all is "all/n": every shard (--list only).
	all bool
}

// String implements pflag.Value.
func (f *shardFlag) String() string {
	switch {
	case f.count == 0:
		return ""
	case f.all:
		return fmt.Sprintf("all/%d", f.count)
	}
	return fmt.Sprintf("%d/%d", f.index, f.count)
}

// Set implements pflag.Value.
func (f *shardFlag) Set(s string) error {
	p, err := parseShard(s)
	if err != nil {
		return err
	}
	*f = p
	return nil
}

// Type implements pflag.Value.
func (f *shardFlag) Type() string { return "i/n" }

// set reports whether --shard was given.
func (f shardFlag) set() bool { return f.count > 0 }

// parseShard parses "i/n" (1 ≤ i ≤ n, both plain decimal numbers) or
// "all/n" (n ≥ 1).
func parseShard(s string) (shardFlag, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return shardFlag{}, errors.New("want i/n, e.g. 2/4 (shard 2 of 4)")
	}
	n, err := positive(ns)
	if err != nil {
		return shardFlag{}, fmt.Errorf("shard count %q: %w", ns, err)
	}
	if is == "all" {
		return shardFlag{count: n, all: true}, nil
	}
	i, err := positive(is)
	if err != nil {
		return shardFlag{}, fmt.Errorf("shard index %q: %w", is, err)
	}
	if i > n {
		return shardFlag{}, fmt.Errorf("shard %d/%d: the index must be between 1 and %d", i, n, n)
	}
	return shardFlag{index: i, count: n}, nil
}

// positive parses a plain decimal number ≥ 1 (no sign, no spaces).
func positive(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("want a whole number ≥ 1")
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("want a whole number ≥ 1 that fits an int")
	}
	if v < 1 {
		return 0, errors.New("want a whole number ≥ 1")
	}
	return v, nil
}
