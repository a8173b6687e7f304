// Label `soak` (not run by CI): the acceptance check, two processes connected on
// loopback for a full minute without traffic.
#include <gtest/gtest.h>

#include "idle_two_processes.h"

namespace opengns {
namespace {

TEST(IdleTwoProcesses, OneMinute) {
  testing::runIdleTwoProcesses(60, "IdleServerChild.Serve");
}

TEST(IdleServerChild, Serve) {
  testing::serveIdleChild();
}

}  // namespace
}  // namespace opengns
