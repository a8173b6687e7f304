// The UDP codecs against the 13 recorded sessions (../shared/vectors, udp.md §11):
// every datagram classifies as recorded, every control packet decodes and re-encodes
// to the exact captured bytes (which pins field numbers, wire types, field order and
// padding), every data header decodes to the recorded fields and re-encodes exactly,
// and packet numbers expand per direction to the recorded full numbers.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "opengns_crypto.pb.h"
#include "support/vectors.h"
#include "wire/control_packet.h"
#include "wire/data_header.h"
#include "wire/inline_stats.h"
#include "wire/packet_number.h"
#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

using nlohmann::json;
using opengns::testing::hexBytes;
using opengns::testing::loadJson;
using opengns::testing::udpSessionNames;
using opengns::testing::vectorsDir;

struct RecordedPacket {
  json entry;  // the packets.json entry
  Bytes payload;
};

// Rebuilds an elided fragment_session payload: header ‖ prefix ‖ run ‖ suffix, where
// byte k of the run is (first ± k) mod 251 (vectors README, "payload_elided").
Bytes rebuildElided(const json& layout) {
  Bytes out = hexBytes(layout.at("header_hex").get<std::string>());
  const Bytes prefix = hexBytes(layout.at("plaintext_prefix_hex").get<std::string>());
  out.insert(out.end(), prefix.begin(), prefix.end());
  const std::string rule = layout.at("run_rule").get<std::string>();
  const bool descending = rule.find("run_first_byte - k") != std::string::npos;
  EXPECT_TRUE(descending || rule.find("run_first_byte + k") != std::string::npos) << rule;
  const int first = layout.at("run_first_byte").get<int>();
  const int run_len = layout.at("run_len").get<int>();
  for (int k = 0; k < run_len; ++k) {
    const int value = descending ? ((first - k) % 251 + 251) % 251 : (first + k) % 251;
    out.push_back(static_cast<uint8_t>(value));
  }
  const Bytes suffix = hexBytes(layout.at("plaintext_suffix_hex").get<std::string>());
  out.insert(out.end(), suffix.begin(), suffix.end());
  return out;
}

const std::vector<RecordedPacket>& loadSession(const std::string& name) {
  static std::map<std::string, std::vector<RecordedPacket>> cache;
  auto [it, inserted] = cache.try_emplace(name);
  if (!inserted) return it->second;
  const json doc = loadJson(vectorsDir() / (name + ".packets.json"));
  for (const json& entry : doc.at("packets")) {
    RecordedPacket packet{entry, {}};
    if (entry.value("payload_elided", false)) {
      packet.payload = rebuildElided(entry.at("elided_layout"));
    } else {
      packet.payload = hexBytes(entry.at("udp_payload_hex").get<std::string>());
    }
    it->second.push_back(std::move(packet));
  }
  return it->second;
}

json sessionMeta(const std::string& name) {
  return loadJson(vectorsDir() / (name + ".packets.json")).at("meta");
}

std::vector<int> presentFieldNumbers(const google::protobuf::Message& message) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  std::vector<int> numbers;
  for (const auto* field : fields)
    numbers.push_back(field->number());
  return numbers;
}

const google::protobuf::Message& asMessage(const ControlMessage& message) {
  return std::visit([](const auto& m) -> const google::protobuf::Message& { return m; }, message);
}

class UdpVectorSession : public ::testing::TestWithParam<std::string> {};

TEST_P(UdpVectorSession, EveryPacketDecodesAndReencodesExactly) {
  OPENGNS_REQUIRE_SHARED();
  const std::vector<RecordedPacket>& packets = loadSession(GetParam());
  ASSERT_FALSE(packets.empty());

  // udp.md §11: the fields GNS writes, in this order, for each control type.
  const std::map<ControlType, std::vector<int>> expected_fields = {
      {ControlType::kChallengeRequest, {1, 3, 4}},
      {ControlType::kChallengeReply, {1, 2, 3, 4}},
      {ControlType::kConnectRequest, {1, 2, 4, 5, 6, 7}},
      {ControlType::kConnectOK, {1, 3, 4, 5, 7, 8}},
      {ControlType::kConnectionClosed, {2, 3, 4, 5}},
      {ControlType::kNoConnection, {2, 3}}};

  // Packet numbers: per direction, the receiver starts at highest = 1 (udp.md §4.4).
  std::map<std::string, uint64_t> highest = {{"c2s", kInitialHighestReceivedPacketNumber},
                                             {"s2c", kInitialHighestReceivedPacketNumber}};
  uint32_t client_id = 0;
  uint32_t server_id = 0;
  int control_count = 0;
  int data_count = 0;

  for (const RecordedPacket& packet : packets) {
    const json& e = packet.entry;
    const int index = e.at("index").get<int>();
    SCOPED_TRACE(::testing::Message() << GetParam() << " index " << index);
    const std::string direction = e.at("direction").get<std::string>();
    ASSERT_EQ(packet.payload.size(), e.at("udp_payload_len").get<size_t>());
    ASSERT_EQ(packet.payload[0], e.at("lead_byte").get<int>());
    const std::string kind = e.at("kind").get<std::string>();
    const DatagramKind classified = classifyDatagram(packet.payload);

    if (kind == "control") {
      ++control_count;
      ASSERT_EQ(classified, DatagramKind::kControl);
      absl::StatusOr<ControlPacket> decoded = decodeControlPacket(packet.payload);
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(controlTypeName(decoded->type()), e.at("control_type").get<std::string>());
      EXPECT_EQ(presentFieldNumbers(asMessage(decoded->message)),
                expected_fields.at(decoded->type()));
      EXPECT_TRUE(asMessage(decoded->message)
                      .GetReflection()
                      ->GetUnknownFields(asMessage(decoded->message))
                      .empty());
      absl::StatusOr<Bytes> reencoded = encodeControlPacket(decoded->message);
      ASSERT_TRUE(reencoded.ok()) << reencoded.status();
      EXPECT_EQ(toHex(*reencoded), toHex(packet.payload));

      if (const auto* request = std::get_if<ChallengeRequest>(&decoded->message)) {
        client_id = request->connection_id();
      } else if (const auto* ok = std::get_if<ConnectOK>(&decoded->message)) {
        EXPECT_EQ(ok->client_connection_id(), client_id);
        server_id = ok->server_connection_id();
        EXPECT_NE(server_id & 0xFFFF, 0u);  // udp.md §3.1
      }
      continue;
    }

    ASSERT_EQ(kind, "data");
    ++data_count;
    ASSERT_EQ(classified, DatagramKind::kData);
    absl::StatusOr<DataPacketView> view = decodeDataPacket(packet.payload);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->flags, e.at("header_flags").get<int>());
    EXPECT_EQ(view->header.to_connection_id, e.at("to_connection_id").get<uint32_t>());
    // Data packets carry the recipient's ID (udp.md §3.1).
    EXPECT_EQ(view->header.to_connection_id, direction == "c2s" ? server_id : client_id);
    EXPECT_EQ(view->header.wire_packet_number, e.at("wire_seq").get<int>());
    if (e.at("inline_stats_len").is_null()) {
      EXPECT_FALSE(view->header.inline_stats_blob.has_value());
    } else {
      ASSERT_TRUE(view->header.inline_stats_blob.has_value());
      EXPECT_EQ(view->header.inline_stats_blob->size(), e.at("inline_stats_len").get<size_t>());
      EXPECT_TRUE(view->inline_stats.has_value());
    }
    if (e.at("time_since_prev_field").is_null()) {
      EXPECT_FALSE(view->header.time_since_previous_16usec.has_value());
    } else {
      EXPECT_EQ(view->header.time_since_previous_16usec,
                e.at("time_since_prev_field").get<uint16_t>());
    }
    EXPECT_EQ(view->chunk_offset, e.at("chunk_offset").get<size_t>());
    EXPECT_EQ(view->chunk.size(), e.at("chunk_len").get<size_t>());

    absl::StatusOr<Bytes> reencoded = encodeDataPacket(view->header, view->chunk);
    ASSERT_TRUE(reencoded.ok()) << reencoded.status();
    EXPECT_EQ(toHex(*reencoded), toHex(packet.payload));

    uint64_t& high = highest.at(direction);
    const std::optional<uint64_t> full = expandPacketNumber(view->header.wire_packet_number, high);
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(*full, e.at("full_packet_number").get<uint64_t>());
    EXPECT_EQ(wirePacketNumber(*full), view->header.wire_packet_number);
    if (*full > high) high = *full;
  }
  EXPECT_GE(control_count, 7);  // a handshake, a close and its replies at least
  EXPECT_GT(data_count, 0);
}

// The signed byte strings inside the handshake parse with our nested messages and
// re-serialize to the same bytes: this pins the field numbers of Certificate and
// SessionCryptInfo too (udp.md §2.8; all captures: 68-byte cert, 49-byte crypt info).
TEST_P(UdpVectorSession, HandshakeCertAndCryptInfoParse) {
  OPENGNS_REQUIRE_SHARED();
  const json meta = sessionMeta(GetParam());
  int handshakes = 0;
  for (const RecordedPacket& packet : loadSession(GetParam())) {
    if (classifyDatagram(packet.payload) != DatagramKind::kControl) continue;
    absl::StatusOr<ControlPacket> decoded = decodeControlPacket(packet.payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    const CertificateSigned* wrapper = nullptr;
    const SessionCryptInfoSigned* crypt = nullptr;
    bool from_server = false;
    if (const auto* request = std::get_if<ConnectRequest>(&decoded->message)) {
      wrapper = &request->cert();
      crypt = &request->crypt();
    } else if (const auto* ok = std::get_if<ConnectOK>(&decoded->message)) {
      wrapper = &ok->cert();
      crypt = &ok->crypt();
      from_server = true;
    } else {
      continue;
    }
    ++handshakes;
    SCOPED_TRACE(from_server ? "ConnectOK" : "ConnectRequest");
    // Self-made certs: only field 4 in the wrapper, no CA key id or signature.
    EXPECT_EQ(presentFieldNumbers(*wrapper), std::vector<int>{4});
    ASSERT_EQ(wrapper->cert().size(), 68u);
    Certificate cert;
    ASSERT_TRUE(cert.ParseFromString(wrapper->cert()));
    EXPECT_EQ(cert.SerializeAsString(), wrapper->cert());
    EXPECT_EQ(cert.key_type(), CERT_KEY_TYPE_ED25519);
    EXPECT_EQ(cert.key_data().size(), 32u);
    EXPECT_EQ(cert.identity_string(), "ip:::1");
    ASSERT_EQ(cert.app_ids_size(), 1);
    EXPECT_EQ(cert.app_ids(0), 0u);
    EXPECT_EQ(cert.legacy_identity_binary().ipv6_and_port().size(), 18u);

    ASSERT_EQ(crypt->info().size(), 49u);
    EXPECT_EQ(crypt->signature().size(), 64u);
    SessionCryptInfo info;
    ASSERT_TRUE(info.ParseFromString(crypt->info()));
    EXPECT_EQ(info.SerializeAsString(), crypt->info());
    EXPECT_EQ(info.key_type(), KEY_EXCHANGE_KEY_TYPE_CURVE25519);
    EXPECT_EQ(info.key_data().size(), 32u);
    EXPECT_EQ(info.protocol_version(), kProtocolVersion);
    ASSERT_EQ(info.ciphers_size(), 1);
    const int negotiated = meta.at("negotiated_cipher").at("server").get<int>();
    if (from_server) {
      EXPECT_EQ(info.ciphers(0), negotiated);  // the single chosen cipher
    }
  }
  EXPECT_EQ(handshakes, 2);
}

INSTANTIATE_TEST_SUITE_P(AllSessions, UdpVectorSession, ::testing::ValuesIn(udpSessionNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// Spot checks of decoded fields against udp.md §7 (worked example).
TEST(UdpVectorWorkedExample, HandshakeAndCloseFields) {
  OPENGNS_REQUIRE_SHARED();
  const std::vector<RecordedPacket>& packets = loadSession("unencrypted_session");
  ASSERT_GE(packets.size(), 28u);
  auto decode = [&](size_t index) {
    absl::StatusOr<ControlPacket> decoded = decodeControlPacket(packets[index].payload);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    return decoded.ok() ? *decoded : ControlPacket{};
  };
  constexpr uint32_t kClientId = 0x30ae8a22;
  constexpr uint32_t kServerId = 0x46c12620;

  const ControlPacket p0 = decode(0);
  const auto& challenge_request = std::get<ChallengeRequest>(p0.message);
  EXPECT_EQ(challenge_request.connection_id(), kClientId);
  EXPECT_EQ(challenge_request.my_timestamp(), 3000000014837ULL);
  EXPECT_EQ(challenge_request.protocol_version(), 13u);
  EXPECT_EQ(challenge_request.ByteSizeLong(), 16u);

  const ControlPacket p1 = decode(1);
  const auto& reply = std::get<ChallengeReply>(p1.message);
  EXPECT_EQ(reply.connection_id(), kClientId);
  EXPECT_EQ(reply.challenge(), 0x9af1e9e55edea7deULL);
  EXPECT_EQ(reply.your_timestamp(), challenge_request.my_timestamp());
  // Low 16 bits of the challenge = (timestamp >> 20) mod 2^16 here (udp.md §3.3).
  EXPECT_EQ(reply.challenge() & 0xFFFF, (challenge_request.my_timestamp() >> 20) & 0xFFFF);

  const ControlPacket p2 = decode(2);
  const auto& request = std::get<ConnectRequest>(p2.message);
  EXPECT_EQ(request.client_connection_id(), kClientId);
  EXPECT_EQ(request.challenge(), reply.challenge());
  EXPECT_EQ(request.my_timestamp(), 3000000015350ULL);
  EXPECT_EQ(request.ping_est_ms(), 1u);
  EXPECT_FALSE(request.has_identity_string());
  SessionCryptInfo client_info;
  ASSERT_TRUE(client_info.ParseFromString(request.crypt().info()));
  EXPECT_EQ(client_info.nonce(), 0xfea5b889fbeda297ULL);
  ASSERT_EQ(client_info.ciphers_size(), 1);
  EXPECT_EQ(client_info.ciphers(0), CIPHER_NULL);
  Certificate client_cert;
  ASSERT_TRUE(client_cert.ParseFromString(request.cert().cert()));
  const std::string localhost_and_port0 = std::string(15, '\0') + '\x01' + std::string(2, '\0');
  EXPECT_EQ(client_cert.legacy_identity_binary().ipv6_and_port(), localhost_and_port0);
  // The cert body sits at offset 19, the crypt info at offset 102 (udp.md §7).
  const Bytes& p2_bytes = packets[2].payload;
  EXPECT_EQ(std::string(p2_bytes.begin() + 19, p2_bytes.begin() + 19 + 68), request.cert().cert());
  EXPECT_EQ(std::string(p2_bytes.begin() + 102, p2_bytes.begin() + 102 + 49),
            request.crypt().info());

  const ControlPacket p3 = decode(3);
  const auto& ok = std::get<ConnectOK>(p3.message);
  EXPECT_EQ(ok.client_connection_id(), kClientId);
  EXPECT_EQ(ok.your_timestamp(), request.my_timestamp());
  EXPECT_EQ(ok.delay_time_usec(), 3062u);
  EXPECT_EQ(ok.server_connection_id(), kServerId);
  SessionCryptInfo server_info;
  ASSERT_TRUE(server_info.ParseFromString(ok.crypt().info()));
  EXPECT_EQ(server_info.nonce(), 0xff2ec3b85cd65bcbULL);
  const std::string text = describeControlPacket(p3);
  EXPECT_NE(text.find("server_connection_id: 1187063328 (0x46c12620)"), std::string::npos) << text;

  const ControlPacket p25 = decode(25);
  const auto& closed = std::get<ConnectionClosed>(p25.message);
  EXPECT_EQ(closed.debug(), "goodbye from vector client");
  EXPECT_EQ(closed.reason_code(), 1000u);
  EXPECT_EQ(closed.to_connection_id(), kServerId);
  EXPECT_EQ(closed.from_connection_id(), kClientId);
  EXPECT_EQ(packets[25].payload.size(), kPaddedMessageMinSize);

  for (size_t index : {size_t{26}, size_t{27}}) {
    const ControlPacket p = decode(index);
    const auto& no_connection = std::get<NoConnection>(p.message);
    EXPECT_EQ(no_connection.from_connection_id(), kServerId);
    EXPECT_EQ(no_connection.to_connection_id(), kClientId);
  }

  // Packet 4: the first data packet, to = S, number 2, chunk at 7 (udp.md §7).
  absl::StatusOr<DataPacketView> first = decodeDataPacket(packets[4].payload);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->header.to_connection_id, kServerId);
  EXPECT_EQ(first->header.wire_packet_number, kFirstDataPacketNumber);
  EXPECT_EQ(first->chunk.size(), 37u);
}

// The inline stats blobs seen in the captures (vectors README, udp.md §4.1, §9).
TEST(UdpVectorInlineStats, KeepalivesAndQualityReports) {
  OPENGNS_REQUIRE_SHARED();
  int keepalives = 0;
  for (const RecordedPacket& packet : loadSession("idle_session")) {
    if (classifyDatagram(packet.payload) != DatagramKind::kData) continue;
    absl::StatusOr<DataPacketView> view = decodeDataPacket(packet.payload);
    ASSERT_TRUE(view.ok()) << view.status();
    if (!view->inline_stats) continue;
    ++keepalives;
    EXPECT_EQ(toHex(*view->header.inline_stats_blob), "1802");
    EXPECT_FALSE(view->inline_stats->has_stats());
    EXPECT_EQ(effectiveStatsFlags(*view->inline_stats), kStatsFlagAckRequestE2E);
  }
  EXPECT_EQ(keepalives, 8);

  int reports = 0;
  for (const RecordedPacket& packet : loadSession("stats_long_session")) {
    if (classifyDatagram(packet.payload) != DatagramKind::kData) continue;
    absl::StatusOr<DataPacketView> view = decodeDataPacket(packet.payload);
    ASSERT_TRUE(view.ok()) << view.status();
    if (!view->inline_stats) continue;
    ++reports;
    const UdpStats& stats = *view->inline_stats;
    EXPECT_FALSE(stats.has_flags());  // only the implied ack request
    EXPECT_EQ(effectiveStatsFlags(stats), kStatsFlagAckRequestE2E);
    ASSERT_TRUE(stats.has_stats());
    EXPECT_FALSE(stats.stats().has_lifetime());
    const LinkInstantaneousStats& now = stats.stats().instantaneous();
    EXPECT_EQ(presentFieldNumbers(now), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(now.packets_dropped_pct(), 0u);
    EXPECT_TRUE(stats.GetReflection()->GetUnknownFields(stats).empty());
    EXPECT_EQ(serializeInlineStats(stats), Bytes(view->header.inline_stats_blob->begin(),
                                                 view->header.inline_stats_blob->end()));
  }
  EXPECT_EQ(reports, 2);
}

}  // namespace
}  // namespace opengns::wire
