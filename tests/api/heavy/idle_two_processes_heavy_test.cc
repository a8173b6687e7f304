// Label `heavy`: two processes stay connected through 15 s without traffic (one keepalive
// exchange, lifecycle.md §5.3). The full minute runs under `soak`.
#include <gtest/gtest.h>

#include "idle_two_processes.h"

namespace opengns {
namespace {

TEST(IdleTwoProcesses, FifteenSecondsWithKeepalives) {
  testing::runIdleTwoProcesses(15, "IdleServerChild.Serve");
}

TEST(IdleServerChild, Serve) {
  testing::serveIdleChild();
}

}  // namespace
}  // namespace opengns
