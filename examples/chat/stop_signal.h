// SIGINT / SIGTERM handling for opengns-chat: the signal only raises a flag, and the main
// loop, which wakes at least every 10 ms, notices it and leaves the way /quit does
// (connections closed with a reason the peers see, exit status 0).
//
// Why not exit in the handler: the peers would then learn of our departure only by a
// timeout many seconds later. The handler is installed without SA_RESTART, so a poll()
// waiting on stdin returns at once with EINTR.
#pragma once

namespace opengns::chat {

// Installs the handlers (once per process) and ignores SIGPIPE, so writing to a closed
// stdout is an error instead of a silent death.
void installStopSignals();
// True once SIGINT or SIGTERM has arrived.
bool stopRequested();

}  // namespace opengns::chat
