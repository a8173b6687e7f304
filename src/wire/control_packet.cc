// See control_packet.h. Framing rules are udp.md §2.1; lead bytes udp.md §1.
#include "wire/control_packet.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/byte_reader.h"
#include "common/byte_writer.h"
#include "wire/proto_describe.h"

namespace opengns::wire {
namespace {

// The variant alternatives are in lead-byte order; this pins it at compile time.
static_assert(std::is_same_v<std::variant_alternative_t<0, ControlMessage>, ChallengeRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<5, ControlMessage>, NoConnection>);
static_assert(std::variant_size_v<ControlMessage> ==
              kLastControlLeadByte - kFirstControlLeadByte + 1);

template <size_t kIndex>
absl::StatusOr<ControlPacket> parseBodyAs(ControlType type, ByteSpan body) {
  std::variant_alternative_t<kIndex, ControlMessage> message;
  // ParseFromArray takes an int; callers bound the body by kMaxDatagramReceiveSize.
  if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(controlTypeName(type)),
                                                   ": protobuf body of ", body.size(),
                                                   " bytes does not parse"));
  }
  return ControlPacket{ControlMessage(std::in_place_index<kIndex>, std::move(message))};
}

absl::StatusOr<ControlPacket> parseBody(ControlType type, ByteSpan body) {
  switch (type) {
    case ControlType::kChallengeRequest:
      return parseBodyAs<0>(type, body);
    case ControlType::kChallengeReply:
      return parseBodyAs<1>(type, body);
    case ControlType::kConnectRequest:
      return parseBodyAs<2>(type, body);
    case ControlType::kConnectOK:
      return parseBodyAs<3>(type, body);
    case ControlType::kConnectionClosed:
      return parseBodyAs<4>(type, body);
    case ControlType::kNoConnection:
      return parseBodyAs<5>(type, body);
  }
  return absl::InternalError("control packet: unhandled control type");
}

}  // namespace

DatagramKind classifyDatagram(ByteSpan datagram) {
  if (datagram.size() < kMinDatagramSize) return DatagramKind::kTooShort;
  const uint8_t lead = datagram[0];
  if ((lead & kDataPacketMarker) != 0) return DatagramKind::kData;
  if (controlTypeFromLeadByte(lead).has_value()) return DatagramKind::kControl;
  return DatagramKind::kUnknown;
}

std::optional<ControlType> controlTypeFromLeadByte(uint8_t lead_byte) {
  if (lead_byte < kFirstControlLeadByte || lead_byte > kLastControlLeadByte) return std::nullopt;
  return static_cast<ControlType>(lead_byte);
}

bool isPaddedControlType(ControlType type) {
  return type == ControlType::kChallengeRequest || type == ControlType::kConnectionClosed;
}

std::string_view controlTypeName(ControlType type) {
  switch (type) {
    case ControlType::kChallengeRequest:
      return "ChallengeRequest";
    case ControlType::kChallengeReply:
      return "ChallengeReply";
    case ControlType::kConnectRequest:
      return "ConnectRequest";
    case ControlType::kConnectOK:
      return "ConnectOK";
    case ControlType::kConnectionClosed:
      return "ConnectionClosed";
    case ControlType::kNoConnection:
      return "NoConnection";
  }
  return "UnknownControlType";
}

ControlType controlTypeOf(const ControlMessage& message) {
  return static_cast<ControlType>(kFirstControlLeadByte + message.index());
}

absl::StatusOr<ControlPacket> decodeControlPacket(ByteSpan datagram) {
  if (datagram.size() < kMinDatagramSize) {
    return absl::InvalidArgumentError(absl::StrCat("control packet: ", datagram.size(),
                                                   " bytes, shorter than the ", kMinDatagramSize,
                                                   "-byte minimum datagram"));
  }
  if (datagram.size() > kMaxDatagramReceiveSize) {
    return absl::InvalidArgumentError(absl::StrCat("control packet: ", datagram.size(),
                                                   " bytes, over the ", kMaxDatagramReceiveSize,
                                                   "-byte receive limit"));
  }
  const std::optional<ControlType> type = controlTypeFromLeadByte(datagram[0]);
  if (!type) {
    return absl::InvalidArgumentError(absl::StrCat("control packet: lead byte 0x",
                                                   absl::Hex(datagram[0], absl::kZeroPad2),
                                                   " is not a control message (0x20-0x25)"));
  }
  const std::string name(controlTypeName(*type));
  if (!isPaddedControlType(*type)) return parseBody(*type, datagram.subspan(kPlainHeaderSize));

  // Padded framing (udp.md §2.1): at least 512 bytes, 0 < L, 3 + L <= datagram length.
  // The padding's values are not checked (GNS ignores them).
  if (datagram.size() < kPaddedMessageMinSize) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": padded message of ", datagram.size(),
                                                   " bytes, under the ", kPaddedMessageMinSize,
                                                   "-byte minimum"));
  }
  ByteReader reader(datagram.subspan(1));
  uint16_t body_len = 0;
  reader.readU16(body_len);  // cannot fail: at least 512 bytes
  if (body_len == 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": body length field is 0"));
  }
  ByteSpan body;
  if (!reader.readBytes(body_len, body)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": body length ", body_len,
                                                   " exceeds the ", reader.remaining(),
                                                   " bytes after the 3-byte header"));
  }
  return parseBody(*type, body);
}

absl::StatusOr<Bytes> encodeControlPacket(const ControlMessage& message) {
  const ControlType type = controlTypeOf(message);
  const std::string name(controlTypeName(type));
  const google::protobuf::Message& body =
      std::visit([](const auto& m) -> const google::protobuf::Message& { return m; }, message);
  const size_t body_len = body.ByteSizeLong();
  const bool padded = isPaddedControlType(type);
  const size_t header_len = padded ? kPaddedHeaderSize : kPlainHeaderSize;

  if (header_len + body_len > kMaxUdpPayloadSize) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": body of ", body_len,
                                                   " bytes makes a datagram over the ",
                                                   kMaxUdpPayloadSize, "-byte maximum"));
  }
  if (padded && body_len == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": empty body; receivers reject a padded body length of 0"));
  }

  Bytes out;
  out.reserve(padded ? std::max(header_len + body_len, kPaddedMessageMinSize)
                     : header_len + body_len);
  ByteWriter writer(out);
  writer.writeU8(static_cast<uint8_t>(type));
  if (padded) writer.writeU16(static_cast<uint16_t>(body_len));  // <= 1297: checked above
  const size_t body_offset = out.size();
  out.resize(body_offset + body_len);
  if (!body.SerializeToArray(out.data() + body_offset, static_cast<int>(body_len))) {
    return absl::InternalError(absl::StrCat(name, ": protobuf serialization failed"));
  }
  if (padded && out.size() < kPaddedMessageMinSize) {
    writer.writeZeros(kPaddedMessageMinSize - out.size());
  }
  return out;
}

std::string describeControlPacket(const ControlPacket& packet) {
  const ControlType type = packet.type();
  const google::protobuf::Message& body = std::visit(
      [](const auto& m) -> const google::protobuf::Message& { return m; }, packet.message);
  return absl::StrCat(std::string(controlTypeName(type)), " (0x",
                      absl::Hex(static_cast<uint8_t>(type)), ", ",
                      isPaddedControlType(type) ? "padded" : "plain", ", body ",
                      body.ByteSizeLong(), " bytes)\n", describeMessage(body, 2));
}

}  // namespace opengns::wire
