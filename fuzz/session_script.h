// A scripted two-peer session for fuzzing and seeded tests (issue 7, item 2): one client
// UdpConnection and one ListenSocketCore, both on the real SNP engine (SnpDataPlane) with
// AES-GCM, joined by two in-memory packet queues in virtual time. The script (arbitrary
// bytes, e.g. a libFuzzer input) decides what the applications send and what the
// network does to every datagram: deliver any queued one (reordering), drop, duplicate,
// corrupt a byte, truncate, replay an old one, advance time, run a clean network.
//
// Invariants checked (the first broken one ends the run with `failure` set):
//  - every delivered message is one the peer sent, byte-identical (each payload carries
//    its sender, lane, index and a checksum, and is compared with a regenerated copy);
//  - reliable messages of a lane arrive exactly once and in send order; unreliable ones
//    whole and at most once;
//  - after the script a clean network runs (bounded virtual time): every reliable message
//    either arrives, or its sender or receiver has closed with a valid end reason; a
//    connection that fails locally never does so with 5002 (Misc_InternalError), since
//    everything that passes AES-GCM was built by an honest peer;
//  - no datagram above 1300 bytes, no busy loop (many wakes without time advancing), no
//    OPENGNS_BUG reached.
// The run is bounded (virtual time, wakes and deliveries), so it never hangs.
//
// No libFuzzer or GoogleTest in here: the fuzz target aborts on a failure, the test
// EXPECTs none. Script format: see session_script.cc (header bytes, then ops).
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace opengns::fuzzing {

struct SessionScriptResult {
  // Empty when every invariant held; otherwise the first broken one, with context.
  std::string failure;
  bool ok() const { return failure.empty(); }

  bool handshake_completed = false;  // the client reached Connected at some point
  bool budget_exhausted = false;     // stopped on the work bound (final checks skipped)
  uint64_t ops = 0;
  uint64_t reliable_sent = 0;
  uint64_t reliable_delivered = 0;
  uint64_t unreliable_sent = 0;
  uint64_t unreliable_delivered = 0;
  uint64_t datagrams_delivered = 0;
  uint64_t datagrams_dropped = 0;
  uint64_t datagrams_corrupted = 0;
  int client_end_reason = 0;  // 0 if the client never closed
  int server_end_reason = 0;  // of the client's peer connection; 0 if it never closed
};

// Runs one script. Deterministic in the script except for the crypto keys (fresh per
// connection), which never change what the checks see.
SessionScriptResult runSessionScript(ByteSpan script);

// A well-formed script of about `ops` operations drawn from `seed` (same seed, same
// script), mixing sends, loss, reordering, duplication, corruption and time.
Bytes randomSessionScript(uint64_t seed, size_t ops);

// Human-readable listing of a script's operations (for failure reports and corpus work).
std::string describeSessionScript(ByteSpan script);

}  // namespace opengns::fuzzing
