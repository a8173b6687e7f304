// Label `heavy`: the 500 connections to one listen socket (each with its own
// client socket), a message both ways on each, then closing.
#include <gtest/gtest.h>

#include "many_connections.h"

namespace opengns {
namespace {

TEST(ManyConnections, FiveHundredToOneListenSocket) {
  testing::runManyConnections(500);
}

}  // namespace
}  // namespace opengns
