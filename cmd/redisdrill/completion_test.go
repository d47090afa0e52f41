package main

import (
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	r := runCLI(t, nil, "__complete", "drill", "--scenario", "pause-")
	if r.code != 0 || !strings.Contains(r.stdout, "pause-long-fenced") || strings.Contains(r.stdout, "primary-kill-engine") {
		t.Fatalf("scenario completion:\n%s", r)
	}
	r = runCLI(t, nil, "__complete", "drill", "--label", "recovery && fen")
	if r.code != 0 || !strings.Contains(r.stdout, "recovery && fence") {
		t.Fatalf("label completion:\n%s", r)
	}
}
