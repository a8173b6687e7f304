// The detailed status text (lifecycle.md §8.5): the state line names a close with its
// reason and text; rates and counters appear once there is a session.
#include "api/detailed_status.h"

#include <gtest/gtest.h>

namespace opengns::api {
namespace {

TEST(DetailedStatus, StateLines) {
  DetailedStatusInputs inputs;
  inputs.info.connection_state = ConnectionState::kConnecting;
  inputs.info.debug_description = "#1 UDP 127.0.0.1:27020";
  std::string text = describeConnectionStatus(inputs);
  EXPECT_EQ(text.rfind("End-to-end connection: connecting\n", 0), 0u) << text;
  EXPECT_NE(text.find("#1 UDP 127.0.0.1:27020"), std::string::npos);
  EXPECT_NE(text.find("No data packets exchanged yet."), std::string::npos);

  inputs.info.connection_state = ConnectionState::kClosedByPeer;
  inputs.info.end_reason = ConnectionEnd::kAppGeneric;
  inputs.info.end_debug = "bye";
  text = describeConnectionStatus(inputs);
  EXPECT_NE(text.find("closed by remote host (reason 1000: bye)"), std::string::npos) << text;

  RealTimeStatus status;
  status.ping = 12;
  snp::SnpSessionCounters counters;
  counters.packets_received = 77;
  inputs.status = &status;
  inputs.counters = &counters;
  text = describeConnectionStatus(inputs);
  EXPECT_NE(text.find("Ping: 12 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("Packets received: 77"), std::string::npos) << text;
}

}  // namespace
}  // namespace opengns::api
