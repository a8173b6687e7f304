// 50 connections to one listen socket over loopback (lifecycle.md §3, §6): every one
// connects, exchanges a message through a poll group and closes; no ID leaks. The 500
// connections of the issue run in the `heavy` suite (tests/api/heavy).
#include "many_connections.h"

#include <gtest/gtest.h>

namespace opengns {
namespace {

TEST(ManyConnections, FiftyToOneListenSocket) {
  testing::runManyConnections(50);
}

}  // namespace
}  // namespace opengns
