package recovery

// Salvage is the evidence of one repair that kept data a backup restore
// would have lost: what was damaged, what was kept and dropped, and the
// checksums of the file before and after, so anyone can check the result
// with sha256sum and redis-check-rdb / redis-check-aof.
type Salvage struct {
	// Method is how the data was saved: "rdb-single-bit" (a CRC-located
	// bit flipped back), "aof-resync" (damaged bytes skipped, parsing
	// resumed on the next valid command) or "aof-manifest-rebuild".
	Method string `json:"method"`
	// File is the damaged file, as the node's data dir names it.
	File string `json:"file"`
	// Damaged lists the damaged byte ranges of File.
	Damaged []ByteRange `json:"damaged,omitempty"`
	// Kept and Dropped count what survived and what did not, in Unit.
	Kept    int64  `json:"kept"`
	Dropped int64  `json:"dropped"`
	Unit    string `json:"unit"`
	// SHA256Before and SHA256After are the file's checksums before and
	// after the repair (the original stays in quarantine).
	SHA256Before string `json:"sha256_before,omitempty"`
	SHA256After  string `json:"sha256_after,omitempty"`
	// Detail says the rest in one line.
	Detail string `json:"detail"`
}

// ByteRange is a span of bytes in a file.
type ByteRange struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// noteSalvage records a salvage of the recovery in progress.
func (e *Engine) noteSalvage(s Salvage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.salvaged = append(e.salvaged, s)
}
