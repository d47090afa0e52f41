// Package history checks a recorded client history of Redis operations for
// linearizability, key by key, with porcupine
// (github.com/anishathalye/porcupine), and names the anomalies it finds.
//
// # The history
//
// The history workload records every operation as one Op and writes them to
// FileName (history.jsonl), one JSON object per line (ReadJSONL,
// WriteJSONL). Each key holds one data type:
//
//   - register: write (SET key value) and read (GET; Got is nil when the
//     key is missing);
//   - list: append (RPUSH key element) and read (LRANGE key 0 -1, in List);
//   - counter: incr (INCR; Counter is its reply) and read (GET; a missing
//     counter reads 0).
//
// Written values and appended elements are unique per op. An op's outcome is
// "ok" (acknowledged), "fail" (certainly not applied) or "unknown" (may or
// may not have been applied, at any time after its invoke). Final marks the
// reads of the final read, made after the run with no concurrent writes.
// Invoke and Complete bound each op in real time; both ends are inclusive.
//
// # Linearizability
//
// Register and list keys are checked by porcupine, each key on its own:
//
//   - register model: the state is the current value or missing (the
//     initial state); write(v) sets v; a read must return the state;
//   - list model: the state is the list (initially empty); append(e) adds e
//     at the tail; a read must return exactly the list.
//
// Ops that failed are left out (never applied), and so are reads that did
// not succeed (they carry no information). A write or append of unknown
// outcome may take effect at any time after its invoke: it is given a
// return after every other op of its key. One whose value no successful read
// returned is left out, which changes no verdict (it can always take effect
// last). Result.CheckedOps counts the ops porcupine was given.
//
// Keys are checked in parallel against one deadline (Options.Timeout). A
// key whose check has not finished by then is unknown, never ok.
//
// Counter keys are not given to porcupine: the direct counter checks below
// judge them, and an anomaly there makes the history not linearizable.
//
// # Anomalies
//
// The named anomalies are found directly, independently of porcupine, so
// each comes with its ops and its instant even when porcupine times out.
// Each is a proof that no linearization exists. Anomaly.Ops lists the ops
// involved, the observing op last; Anomaly.At is the observing op's
// complete. "Acked" means outcome ok; "before" is real-time order (one op
// completed before the other was invoked).
//
//   - stale-read (register): a non-final read returned v, written by w, while
//     another acked write w2 was invoked after w completed and completed
//     before the read began. Ops: w, w2, read. Also: a non-final read found
//     the key missing after an acked write completed before it began, and a
//     later read (invoked after it completed) saw the key again. Ops: the
//     acked write that completed last before the read, read. (Keys are never
//     deleted; a key that stays missing until the final read is a
//     lost-write.) A write of unknown outcome may apply at any time, so
//     reading its value is never stale.
//   - stale-read (list): a non-final read misses an element whose append
//     was acked before the read began, while a later read (final or not,
//     invoked after it completed) shows the element. One per read, naming
//     the missing element acked last. Ops: append, read.
//   - never-written: a read returned a register value, or listed a list
//     element, that no write or append on the key carried, or whose only
//     carrier was reported failed (the Detail says so; Ops then start with
//     the failed op). Reported once per value, with the first read. Ops:
//     [failed write,] read.
//   - lost-write: an acked write or append that a final read does not
//     reflect. List: the final read does not list the element. Register: the
//     final read found the key missing, or returned a value whose acked write
//     completed before the lost write was invoked. One per lost op (writes
//     that completed before the final read began). Ops: lost op, final read.
//     Counter: two acked INCRs returned the same value, so one increment was
//     lost. Ops: the two INCRs.
//   - duplicate-append: one read lists an element more than once. Reported
//     once per element. Ops: append, read.
//   - reordered-append: one read lists a before b although b's append was
//     acked before a's append was invoked. Reported once per pair. Ops:
//     append a, append b, read.
//   - counter-backwards: a counter op (an INCR reply or a successful read)
//     returned less than another counter op on the key that completed
//     before it was invoked. Reported once per high-water op, so a counter
//     that was reset gives one anomaly, not one per later op. Ops: the
//     higher op, the lower op.
//   - counter-double: a counter op returned v greater than the number of
//     INCRs on the key (failed ones excluded) invoked by the time it
//     completed: more increments are visible than could have been applied.
//     Reported when the surplus first reaches a new height. Ops: the op.
//   - non-linearizable: porcupine found no linearization of a key and no
//     named anomaly on that key explains it. Ops: the first op (by
//     complete) that porcupine's longest partial linearization could not
//     include.
//
// Result.Linearizable is "false" when any key is proven not linearizable
// (porcupine found none, or any named anomaly), else "unknown" when any
// key's check ran out of time, else "true". With Options.VisualizeDir set,
// porcupine's HTML visualisation of each key it found not linearizable is
// written there.
package history
