// The control packets our connections send have the structure of the recorded ones
// (../shared/vectors/unencrypted_session and encrypted_session): same fields present
// (recursively into sub-messages), same framing and sizes. Both are decoded with the
// wire codec; nothing here is hard-coded except what the vectors and udp.md §11 state.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "connection_harness.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "support/vectors.h"

namespace opengns::connection {
namespace {

using testing_util::Harness;
using testing_util::SentDatagram;

constexpr snp::Usec kMs = snp::kUsecPerMsec;

// "1,3,4" for a flat message; sub-messages as "4{1,2}".
std::string fieldShape(const google::protobuf::Message& message) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  std::string out;
  for (const auto* f : fields) {
    if (!out.empty()) out += ",";
    absl::StrAppend(&out, f->number());
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      absl::StrAppend(&out, "{", fieldShape(message.GetReflection()->GetMessage(message, f)), "}");
    }
  }
  return out;
}

std::string shapeOf(const Bytes& datagram) {
  auto packet = wire::decodeControlPacket(datagram);
  EXPECT_TRUE(packet.ok()) << packet.status();
  if (!packet.ok()) return "?";
  return std::visit([](const auto& m) { return fieldShape(m); }, packet->message);
}

// The first datagram of each control lead byte in a recorded session.
std::map<uint8_t, Bytes> recordedControls(const std::string& session) {
  std::map<uint8_t, Bytes> out;
  auto doc = testing::loadJson(testing::vectorsDir() / (session + ".packets.json"));
  for (const auto& p : doc["packets"]) {
    if (p.value("kind", "") != "control" || p["udp_payload_hex"].is_null()) continue;
    Bytes bytes = testing::hexBytes(p["udp_payload_hex"]);
    if (!bytes.empty() && !out.count(bytes[0])) out[bytes[0]] = bytes;
  }
  return out;
}

void compareSession(const std::string& session, int unencrypted) {
  const std::map<uint8_t, Bytes> recorded = recordedControls(session);
  ASSERT_EQ(recorded.size(), 6u) << "one of each of 0x20-0x25";

  Harness::Options o;
  o.client_unencrypted = unencrypted;
  o.server_unencrypted = unencrypted;
  o.accept_delay_usec = 3 * kMs;  // the captured apps accepted within about 3 ms
  Harness h(o);
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  ASSERT_TRUE(c->close(h.now(), 1000, "goodbye from vector client", true));
  h.runFor(100 * kMs);
  std::map<uint8_t, Bytes> ours;
  for (const SentDatagram& d : h.log()) {
    if (d.lead() < 0x80 && !ours.count(d.lead())) ours[d.lead()] = d.bytes;
  }
  for (const auto& [lead, bytes] : recorded) {
    SCOPED_TRACE(absl::StrCat(session, " lead 0x", absl::Hex(lead)));
    ASSERT_TRUE(ours.count(lead));
    EXPECT_EQ(ours[lead].size(), bytes.size());
    EXPECT_EQ(shapeOf(ours[lead]), shapeOf(bytes));
    if (lead == wire::kLeadChallengeRequest || lead == wire::kLeadConnectionClosed) {
      // Padded: same body length field, zero padding to 512 bytes.
      EXPECT_EQ(ours[lead][1], bytes[1]);
      EXPECT_EQ(ours[lead][2], bytes[2]);
      const size_t body_end = 3 + ours[lead][1];
      for (size_t i = body_end; i < ours[lead].size(); ++i)
        ASSERT_EQ(ours[lead][i], 0) << i;
    }
  }
}

TEST(PacketShapeTest, ControlPacketsMatchUnencryptedSession) {
  OPENGNS_REQUIRE_SHARED();
  compareSession("unencrypted_session", 3);
}

TEST(PacketShapeTest, ControlPacketsMatchEncryptedSession) {
  OPENGNS_REQUIRE_SHARED();
  compareSession("encrypted_session", 0);
}

TEST(PacketShapeTest, SizesNamedByTheSpec) {
  // udp.md §11: 512, 26, 217, 214 bytes and the fields 1,3,4 / 1,2,3,4 / 1,2,4,5,6,7 /
  // 1,3,4,5,7,8 with the anonymous identity (ConnectOK's delay_time_usec of a few ms).
  Harness::Options o;
  o.accept_delay_usec = 3 * kMs;
  Harness h(o);
  UdpConnection* c = h.connect();
  h.runFor(100 * kMs);
  ASSERT_EQ(c->state(), ConnectionState::kConnected);
  const auto& log = h.log();
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ(log[0].bytes.size(), 512u);
  EXPECT_EQ(log[1].bytes.size(), 26u);
  EXPECT_EQ(log[2].bytes.size(), 217u);
  EXPECT_EQ(log[3].bytes.size(), 214u);
  auto top = [](const Bytes& b) {
    std::string s = shapeOf(b), out;
    int depth = 0;
    for (char ch : s) {
      if (ch == '{') ++depth;
      if (depth == 0) out += ch;
      if (ch == '}') --depth;
    }
    return out;
  };
  EXPECT_EQ(top(log[0].bytes), "1,3,4");
  EXPECT_EQ(top(log[1].bytes), "1,2,3,4");
  EXPECT_EQ(top(log[2].bytes), "1,2,4,5,6,7");
  EXPECT_EQ(top(log[3].bytes), "1,3,4,5,7,8");
}

}  // namespace
}  // namespace opengns::connection
