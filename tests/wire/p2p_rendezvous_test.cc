// The P2P rendezvous message definitions (proto/opengns_p2p.proto, p2p-and-auth.md §1.3)
// against the recorded signals of the two P2P sessions: every signal parses with no
// unknown field (so every field number on the wire is defined) and re-serializes to the
// exact recorded bytes (so types and labels match).
#include <gtest/gtest.h>

#include <string>

#include "opengns_p2p.pb.h"
#include "support/vectors.h"

namespace opengns::wire {
namespace {

using opengns::testing::hexBytes;
using opengns::testing::loadJson;
using opengns::testing::vectorsDir;

bool hasUnknownFieldsDeep(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (hasUnknownFieldsDeep(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (hasUnknownFieldsDeep(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

TEST(P2PRendezvousVectors, EverySignalRoundTrips) {
  OPENGNS_REQUIRE_SHARED();
  int signals = 0;
  int connect_requests = 0;
  int connect_oks = 0;
  int candidates = 0;
  for (const std::string session : {"p2p_session", "p2p_stun_session"}) {
    const nlohmann::json doc = loadJson(vectorsDir() / (session + ".signaling.json"));
    for (const nlohmann::json& line : doc.at("lines")) {
      if (line.value("kind", "") != "signal") continue;
      const std::string text = line.at("line").get<std::string>();
      const size_t space = text.find(' ');
      ASSERT_NE(space, std::string::npos) << text;
      const Bytes payload = hexBytes(text.substr(space + 1));
      SCOPED_TRACE(session + " t=" + std::to_string(line.at("t").get<double>()));
      P2PRendezvous signal;
      ASSERT_TRUE(signal.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
      EXPECT_FALSE(hasUnknownFieldsDeep(signal));
      const std::string reencoded = signal.SerializeAsString();
      EXPECT_EQ(reencoded, std::string(payload.begin(), payload.end()));
      EXPECT_FALSE(signal.from_identity().empty());
      ++signals;
      if (signal.has_connect_request()) {
        ++connect_requests;
        EXPECT_FALSE(signal.has_to_connection_id());  // never on a connect request (§1.3)
        EXPECT_EQ(signal.connect_request().crypt().info().size(), 49u);
      }
      if (signal.has_connect_ok()) ++connect_oks;
      for (const auto& reliable : signal.reliable_messages()) {
        if (reliable.ice().has_add_candidate()) {
          ++candidates;
          EXPECT_EQ(reliable.ice().add_candidate().candidate().rfind("candidate:", 0), 0u);
        }
      }
    }
  }
  EXPECT_GT(signals, 0);
  EXPECT_GT(connect_requests, 0);
  EXPECT_GT(connect_oks, 0);
  EXPECT_GT(candidates, 0);
}

}  // namespace
}  // namespace opengns::wire
