package process

import "log/slog"

// StartOptions tune how a deployment of local processes starts.
type StartOptions struct {
	// RunID names the run; generated when empty (NewRunID).
	RunID string
	// Binary is the server executable; when empty, the first of
	// redis-server and valkey-server found on PATH.
	Binary string
	// Dir is the run folder, holding one folder per node. When empty a
	// temporary folder is created, and removed by Terminate unless Keep.
	// A Dir given here is the caller's: Terminate never removes it.
	Dir string
	// Keep keeps the temporary run folder after Terminate (evidence).
	Keep bool
	// Logger receives progress; slog.Default() when nil.
	Logger *slog.Logger
}
