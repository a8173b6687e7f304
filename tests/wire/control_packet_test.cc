// Control packet codec: framing, round trips for all six types, and rejection of
// malformed datagrams (udp.md §1, §2.1-2.7). Expected bytes come from the spec's worked
// example (udp.md §7) and its framing rules.
#include "wire/control_packet.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/bytes.h"
#include "opengns_crypto.pb.h"
#include "wire/udp_constants.h"

namespace opengns::wire {
namespace {

Bytes hex(std::string_view text) {
  absl::StatusOr<Bytes> bytes = fromHex(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

constexpr uint32_t kClientId = 0x30ae8a22;  // udp.md §7
constexpr uint32_t kServerId = 0x46c12620;

template <typename T>
const T& messageAs(const ControlPacket& packet) {
  return std::get<T>(packet.message);
}

// Encodes, decodes, and checks that the decoded message serializes like the original.
template <typename T>
Bytes roundTrip(const T& message) {
  absl::StatusOr<Bytes> datagram = encodeControlPacket(message);
  EXPECT_TRUE(datagram.ok()) << datagram.status();
  if (!datagram.ok()) return {};
  EXPECT_EQ(classifyDatagram(*datagram), DatagramKind::kControl);
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(*datagram);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return {};
  EXPECT_EQ(decoded->type(), controlTypeOf(ControlMessage(message)));
  EXPECT_EQ(messageAs<T>(*decoded).SerializeAsString(), message.SerializeAsString());
  return *datagram;
}

TEST(ClassifyDatagram, ByLeadByteAndLength) {
  EXPECT_EQ(classifyDatagram(Bytes{}), DatagramKind::kTooShort);
  EXPECT_EQ(classifyDatagram(Bytes{0x20, 0, 0, 0}), DatagramKind::kTooShort);
  EXPECT_EQ(classifyDatagram(Bytes{0x80, 0, 0, 0}), DatagramKind::kTooShort);
  for (int lead = 0; lead < 256; ++lead) {
    const Bytes datagram{static_cast<uint8_t>(lead), 1, 2, 3, 4};
    const DatagramKind expected = lead >= 0x80                     ? DatagramKind::kData
                                  : (lead >= 0x20 && lead <= 0x25) ? DatagramKind::kControl
                                                                   : DatagramKind::kUnknown;
    EXPECT_EQ(classifyDatagram(datagram), expected) << "lead " << lead;
  }
}

TEST(ControlType, LeadBytesNamesAndFraming) {
  EXPECT_EQ(controlTypeFromLeadByte(0x20), ControlType::kChallengeRequest);
  EXPECT_EQ(controlTypeFromLeadByte(0x25), ControlType::kNoConnection);
  EXPECT_FALSE(controlTypeFromLeadByte(0x1F).has_value());
  EXPECT_FALSE(controlTypeFromLeadByte(0x26).has_value());
  EXPECT_EQ(controlTypeName(ControlType::kConnectOK), "ConnectOK");
  EXPECT_TRUE(isPaddedControlType(ControlType::kChallengeRequest));
  EXPECT_TRUE(isPaddedControlType(ControlType::kConnectionClosed));
  EXPECT_FALSE(isPaddedControlType(ControlType::kChallengeReply));
  EXPECT_FALSE(isPaddedControlType(ControlType::kConnectRequest));
  EXPECT_FALSE(isPaddedControlType(ControlType::kConnectOK));
  EXPECT_FALSE(isPaddedControlType(ControlType::kNoConnection));
  EXPECT_EQ(controlTypeOf(ControlMessage(ConnectOK())), ControlType::kConnectOK);
  EXPECT_EQ(controlTypeOf(ControlMessage(NoConnection())), ControlType::kNoConnection);
}

// udp.md §7 packet 0: `20 10 00`, the 16-byte body, 493 zero bytes.
TEST(ControlPacketCodec, ChallengeRequestIsPaddedTo512) {
  ChallengeRequest request;
  request.set_connection_id(kClientId);
  request.set_my_timestamp(3000000014837ULL);
  request.set_protocol_version(kProtocolVersion);
  const Bytes datagram = roundTrip(request);
  ASSERT_EQ(datagram.size(), kPaddedMessageMinSize);
  const Bytes expected_start =
      hex("201000"
          "0d228aae30"
          "19f569ef7dba020000"
          "200d");
  EXPECT_EQ(Bytes(datagram.begin(), datagram.begin() + 19), expected_start);
  for (size_t i = 19; i < datagram.size(); ++i)
    ASSERT_EQ(datagram[i], 0) << "offset " << i;
}

// udp.md §7 packet 1: 26 bytes, plain.
TEST(ControlPacketCodec, ChallengeReplyIsPlain) {
  ChallengeReply reply;
  reply.set_connection_id(kClientId);
  reply.set_challenge(0x9af1e9e55edea7deULL);
  reply.set_your_timestamp(3000000014837ULL);
  reply.set_protocol_version(13);
  EXPECT_EQ(roundTrip(reply), hex("21"
                                  "0d228aae30"
                                  "11dea7de5ee5e9f19a"
                                  "19f569ef7dba020000"
                                  "200d"));
}

TEST(ControlPacketCodec, ConnectRequestWithAllFields) {
  Certificate cert;
  cert.set_key_type(CERT_KEY_TYPE_ED25519);
  cert.set_key_data(std::string(32, '\x11'));
  cert.add_app_ids(0);
  cert.set_identity_string("str:alice");
  SessionCryptInfo info;
  info.set_key_type(KEY_EXCHANGE_KEY_TYPE_CURVE25519);
  info.set_key_data(std::string(32, '\x22'));
  info.set_nonce(0xfea5b889fbeda297ULL);
  info.set_protocol_version(13);
  info.add_ciphers(CIPHER_AES_256_GCM);
  info.add_ciphers(CIPHER_NULL);

  ConnectRequest request;
  request.set_client_connection_id(kClientId);
  request.set_challenge(0x9af1e9e55edea7deULL);
  request.set_legacy_client_steam_id(76561197960287930ULL);
  request.mutable_cert()->set_cert(cert.SerializeAsString());
  request.mutable_cert()->set_ca_key_id(42);
  request.mutable_cert()->set_ca_signature(std::string(64, '\x33'));
  request.set_my_timestamp(3000000015350ULL);
  request.set_ping_est_ms(0);  // present even when zero (udp.md "Protobuf details")
  request.mutable_crypt()->set_info(info.SerializeAsString());
  request.mutable_crypt()->set_signature(std::string(64, '\x44'));
  request.set_legacy_protocol_version(13);
  request.mutable_legacy_identity_binary();  // present and empty, as GNS writes it
  request.set_identity_string("str:alice");
  const Bytes datagram = roundTrip(request);
  ASSERT_FALSE(datagram.empty());
  EXPECT_EQ(datagram[0], kLeadConnectRequest);
  EXPECT_EQ(datagram.size(), 1 + request.ByteSizeLong());  // plain: no length, no padding
  // Fields in ascending order: the first two keys are 0D (field 1) and 11 (field 2).
  EXPECT_EQ(datagram[1], 0x0D);
  EXPECT_EQ(datagram[6], 0x11);
  // The empty legacy identity is written as `4A 00` (field 9, length 0).
  const std::string body = request.SerializeAsString();
  EXPECT_NE(body.find(std::string("\x4a\x00", 2)), std::string::npos);
}

TEST(ControlPacketCodec, ConnectOKRoundTrip) {
  ConnectOK ok;
  ok.set_client_connection_id(kClientId);
  ok.set_legacy_server_steam_id(76561197960287930ULL);
  ok.set_your_timestamp(3000000015350ULL);
  ok.set_delay_time_usec(3062);
  ok.set_server_connection_id(kServerId);
  ok.mutable_crypt()->set_info("x");
  ok.mutable_crypt()->set_signature("y");
  ok.mutable_cert()->set_cert("z");
  ok.mutable_legacy_identity_binary()->set_generic_string("bob");
  ok.set_identity_string("str:bob");
  const Bytes datagram = roundTrip(ok);
  ASSERT_FALSE(datagram.empty());
  EXPECT_EQ(datagram[0], kLeadConnectOK);
  // delay_time_usec 3062 = `20 f6 17` right after fields 1-3 (udp.md §7 packet 3).
  const Bytes expected_prefix =
      hex("23"
          "0d228aae30"
          "11ba56000001001001"
          "19f66bef7dba020000"
          "20f617"
          "2d2026c146");
  EXPECT_EQ(Bytes(datagram.begin(), datagram.begin() + expected_prefix.size()), expected_prefix);
}

// udp.md §7 packet 25: `24 29 00` + 41-byte body + zeros to 512.
TEST(ControlPacketCodec, ConnectionClosedIsPaddedTo512) {
  ConnectionClosed closed;
  closed.set_debug("goodbye from vector client");
  closed.set_reason_code(1000);
  closed.set_to_connection_id(kServerId);
  closed.set_from_connection_id(kClientId);
  const Bytes datagram = roundTrip(closed);
  ASSERT_EQ(datagram.size(), kPaddedMessageMinSize);
  EXPECT_EQ(Bytes(datagram.begin(), datagram.begin() + 3), hex("242900"));
  EXPECT_EQ(datagram[3], 0x12);  // field 2 key
  EXPECT_EQ(Bytes(datagram.begin() + 31, datagram.begin() + 44),
            hex("18e807"
                "252026c146"
                "2d228aae30"));  // fields 3, 4, 5
  for (size_t i = 44; i < datagram.size(); ++i)
    ASSERT_EQ(datagram[i], 0) << "offset " << i;
}

// udp.md §2.7: `25 15 <from> 1d <to>`, 11 bytes.
TEST(ControlPacketCodec, NoConnectionIsPlain) {
  NoConnection no_connection;
  no_connection.set_from_connection_id(kServerId);
  no_connection.set_to_connection_id(kClientId);
  EXPECT_EQ(roundTrip(no_connection), hex("25152026c1461d228aae30"));
}

// udp.md §2.7 interop note: an echo with no IDs is a bare `25`, which every receiver
// drops as too short. Our encoder can produce it; our decoder rejects it.
TEST(ControlPacketCodec, EmptyNoConnectionIsOneByteAndUndecodable) {
  absl::StatusOr<Bytes> datagram = encodeControlPacket(NoConnection());
  ASSERT_TRUE(datagram.ok());
  EXPECT_EQ(*datagram, hex("25"));
  EXPECT_EQ(classifyDatagram(*datagram), DatagramKind::kTooShort);
  EXPECT_FALSE(decodeControlPacket(*datagram).ok());
}

TEST(ControlPacketCodec, PaddedMessageOver512IsNotPaddedFurther) {
  ConnectionClosed closed;
  closed.set_debug(std::string(600, 'd'));
  closed.set_reason_code(1000);
  absl::StatusOr<Bytes> datagram = encodeControlPacket(closed);
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  EXPECT_EQ(datagram->size(), 3 + closed.ByteSizeLong());
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(*datagram);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(messageAs<ConnectionClosed>(*decoded).debug(), closed.debug());
}

TEST(ControlPacketCodec, DecodeIgnoresPaddingValuesAndExtraPadding) {
  ConnectionClosed closed;
  closed.set_reason_code(1000);
  closed.set_from_connection_id(kClientId);
  Bytes datagram = *encodeControlPacket(closed);
  for (size_t i = 3 + closed.ByteSizeLong(); i < datagram.size(); ++i)
    datagram[i] = 0xAB;
  datagram.resize(700, 0xCD);  // "a new implementation may pad further"
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(datagram);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(messageAs<ConnectionClosed>(*decoded).reason_code(), 1000u);
}

TEST(ControlPacketCodec, DecodeAcceptsAnyFieldOrderAndSkipsUnknownFields) {
  // ChallengeReply with field 4 first, then an unknown varint field 9, then field 1.
  const Bytes datagram =
      hex("21"
          "200d"
          "4805"
          "0d228aae30");
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(datagram);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const ChallengeReply& reply = messageAs<ChallengeReply>(*decoded);
  EXPECT_EQ(reply.protocol_version(), 13u);
  EXPECT_EQ(reply.connection_id(), kClientId);
  EXPECT_FALSE(reply.has_challenge());
}

// --- Malformed input: a clear error, never a crash ---

void expectError(const Bytes& datagram, std::string_view needle) {
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(datagram);
  ASSERT_FALSE(decoded.ok()) << "decoded " << toHex(datagram);
  EXPECT_NE(decoded.status().message().find(absl::string_view(needle.data(), needle.size())),
            absl::string_view::npos)
      << decoded.status();
}

TEST(ControlPacketDecodeErrors, TooShort) {
  expectError(Bytes{}, "0 bytes, shorter than the 5-byte minimum");
  expectError(hex("25152026"), "4 bytes, shorter than the 5-byte minimum");
}

TEST(ControlPacketDecodeErrors, BadLeadByte) {
  expectError(hex("0015202600"), "lead byte 0x00 is not a control message");
  expectError(hex("1f15202600"), "lead byte 0x1f");
  expectError(hex("2615202600"), "lead byte 0x26");
  expectError(hex("8015202600"), "lead byte 0x80");
}

TEST(ControlPacketDecodeErrors, Oversize) {
  Bytes datagram(kMaxDatagramReceiveSize + 1, 0);
  datagram[0] = kLeadConnectionClosed;
  datagram[1] = 1;
  expectError(datagram, "2325 bytes, over the 2324-byte receive limit");
}

TEST(ControlPacketDecodeErrors, PaddedUnder512) {
  ChallengeRequest request;
  request.set_connection_id(kClientId);
  Bytes datagram = *encodeControlPacket(request);
  datagram.resize(511);
  expectError(datagram, "ChallengeRequest: padded message of 511 bytes, under the 512-byte");
  // An unpadded ChallengeRequest (plain framing) is rejected the same way.
  expectError(hex("20"
                  "0d228aae30"),
              "padded message of 6 bytes");
}

TEST(ControlPacketDecodeErrors, PaddedBodyLengthZeroOrPastEnd) {
  Bytes datagram(512, 0);
  datagram[0] = kLeadConnectionClosed;
  expectError(datagram, "ConnectionClosed: body length field is 0");
  datagram[1] = 0xFE;  // L = 510: 3 + 510 > 512
  datagram[2] = 0x01;
  expectError(datagram, "body length 510 exceeds the 509 bytes after the 3-byte header");
  datagram[1] = 0xFF;  // L = 0xFFFF
  datagram[2] = 0xFF;
  expectError(datagram, "body length 65535");
}

TEST(ControlPacketDecodeErrors, PaddedBodyFillingTheDatagramIsFine) {
  Bytes datagram(512, 0);
  datagram[0] = kLeadConnectionClosed;
  datagram[1] = 0xFD;  // L = 509: exactly to the end
  datagram[2] = 0x01;
  // A body of 509 bytes: field 2 (debug) with a 506-byte string: 12 FA 03 + 506 bytes.
  datagram[3] = 0x12;
  datagram[4] = 0xFA;
  datagram[5] = 0x03;
  for (size_t i = 6; i < 512; ++i)
    datagram[i] = 'x';
  absl::StatusOr<ControlPacket> decoded = decodeControlPacket(datagram);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(messageAs<ConnectionClosed>(*decoded).debug().size(), 506u);
}

TEST(ControlPacketDecodeErrors, TrailingBytesAfterPlainBodyFail) {
  // udp.md §2.1: the whole rest is the body; a zero byte is an invalid tag.
  expectError(hex("25152026c1461d228aae3000"), "NoConnection: protobuf body of 11 bytes");
  // A padded ConnectRequest is therefore unreadable.
  Bytes padded(512, 0);
  padded[0] = kLeadConnectRequest;
  padded[1] = 5;
  padded[3] = 0x0d;
  padded[4] = 1;
  expectError(padded, "ConnectRequest: protobuf body of 511 bytes does not parse");
}

TEST(ControlPacketDecodeErrors, TruncatedAndGarbageProtobuf) {
  // ChallengeReply cut inside your_timestamp (udp.md §7 packet 1 is 26 bytes).
  expectError(hex("21"
                  "0d228aae30"
                  "11dea7de5ee5e9f19a"
                  "19f569ef"),
              "ChallengeReply: protobuf body of 18 bytes does not parse");
  // A varint of 11 bytes.
  expectError(hex("22"
                  "30ffffffffffffffffffff01"),
              "ConnectRequest: protobuf body");
  // A length-delimited field longer than what is left.
  expectError(hex("23"
                  "3a7f0a01"),
              "ConnectOK: protobuf body of 4 bytes");
  // Wire type 7 does not exist.
  expectError(hex("21"
                  "0f00000000"),
              "ChallengeReply: protobuf body");
  // Wrong wire type for a known field fails only if the value cannot be skipped; a
  // nested message that does not parse does fail.
  expectError(hex("22"
                  "2203ffffff"),
              "ConnectRequest: protobuf body");
}

TEST(ControlPacketDecodeErrors, RandomInputNeverCrashes) {
  std::mt19937 rng(12345);  // deterministic
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> lead(0x1F, 0x26);
  std::uniform_int_distribution<size_t> size(0, 700);
  int decoded_ok = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes datagram(size(rng));
    for (uint8_t& b : datagram)
      b = static_cast<uint8_t>(byte(rng));
    if (!datagram.empty()) datagram[0] = static_cast<uint8_t>(lead(rng));
    if (datagram.size() >= 3 && i % 2 == 0) {  // plausible padded length half the time
      datagram[1] = static_cast<uint8_t>(datagram.size() % 40);
      datagram[2] = 0;
    }
    absl::StatusOr<ControlPacket> decoded = decodeControlPacket(datagram);
    if (decoded.ok()) {
      ++decoded_ok;
      EXPECT_FALSE(describeControlPacket(*decoded).empty());
    } else {
      EXPECT_FALSE(decoded.status().message().empty());
    }
  }
  // Random bytes almost never form a valid protobuf; a handful may (e.g. empty bodies).
  EXPECT_LT(decoded_ok, 3000);
}

TEST(ControlPacketDecodeErrors, EveryPrefixOfAValidPacketIsHandled) {
  ConnectRequest request;
  request.set_client_connection_id(kClientId);
  request.set_challenge(7);
  request.mutable_cert()->set_cert(std::string(68, 'c'));
  request.mutable_crypt()->set_info(std::string(49, 'i'));
  const Bytes datagram = *encodeControlPacket(request);
  for (size_t len = 0; len < datagram.size(); ++len) {
    absl::StatusOr<ControlPacket> decoded = decodeControlPacket(ByteSpan(datagram.data(), len));
    // A cut at a field boundary is a valid shorter message; any other cut must fail.
    if (decoded.ok()) {
      EXPECT_LT(messageAs<ConnectRequest>(*decoded).ByteSizeLong(), request.ByteSizeLong());
    }
  }
}

// --- Encoding limits ---

TEST(ControlPacketEncodeErrors, OverMaximumDatagram) {
  ConnectRequest request;
  request.set_identity_string(std::string(kMaxUdpPayloadSize, 'a'));
  absl::StatusOr<Bytes> datagram = encodeControlPacket(request);
  ASSERT_FALSE(datagram.ok());
  EXPECT_NE(datagram.status().message().find("over the 1300-byte maximum"), absl::string_view::npos)
      << datagram.status();

  // Exactly 1300 bytes is allowed: 1 + 3 (tag, 2-byte length) + 1296.
  ConnectRequest largest;
  largest.set_identity_string(std::string(1296, 'a'));
  absl::StatusOr<Bytes> ok = encodeControlPacket(largest);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), kMaxUdpPayloadSize);
}

TEST(ControlPacketEncodeErrors, EmptyPaddedBody) {
  EXPECT_FALSE(encodeControlPacket(ConnectionClosed()).ok());
  EXPECT_FALSE(encodeControlPacket(ChallengeRequest()).ok());
  // Plain types may be empty (the bare `25` of udp.md §2.7).
  EXPECT_TRUE(encodeControlPacket(ChallengeReply()).ok());
}

TEST(DescribeControlPacket, OneLinePerField) {
  ConnectRequest request;
  request.set_client_connection_id(kClientId);
  Certificate cert;
  cert.set_key_type(CERT_KEY_TYPE_ED25519);
  cert.add_app_ids(0);
  cert.set_identity_string("ip:::1");
  request.mutable_cert()->set_cert(cert.SerializeAsString());
  SessionCryptInfo info;
  info.add_ciphers(CIPHER_NULL);
  request.mutable_crypt()->set_info(info.SerializeAsString());
  request.mutable_crypt()->set_signature("\x01\x02");
  const std::string text = describeControlPacket(ControlPacket{request});
  EXPECT_NE(text.find("ConnectRequest (0x22, plain"), std::string::npos) << text;
  EXPECT_NE(text.find("  client_connection_id: 816744994 (0x30ae8a22)\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("key_type: CERT_KEY_TYPE_ED25519 (1)"), std::string::npos) << text;
  EXPECT_NE(text.find("app_ids[0]: 0"), std::string::npos) << text;
  EXPECT_NE(text.find("identity_string: \"ip:::1\""), std::string::npos) << text;
  EXPECT_NE(text.find("ciphers[0]: CIPHER_NULL (1)"), std::string::npos) << text;
  EXPECT_NE(text.find("signature: 2 bytes: 0102"), std::string::npos) << text;
}

}  // namespace
}  // namespace opengns::wire
