// Classification of UDP datagrams and the codec of the six control messages (udp.md §1,
// §2.1-2.7). A control datagram is a lead byte plus a protobuf body, either "plain" (the
// body runs to the end of the datagram) or "padded" (uint16 LE body length, body, zeros
// up to 512 bytes). Which framing a type uses is fixed by the type (WIRE).
//
// Guarantees: decoding never reads outside the given span and never aborts; every
// rejection is an absl::Status naming the message, the field and the offending value.
// Decoding checks framing and protobuf syntax only; the semantic checks of udp.md (IDs
// non-zero, matching rules, versions) are the connection layer's job. Encoding writes
// fields in ascending field-number order (protobuf's own order), zero padding, and the
// smallest legal datagram, so our packets are byte-identical to GNS's for equal inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "opengns_udp.pb.h"
#include "wire/udp_constants.h"

namespace opengns::wire {

// The lead byte of each control message (udp.md §1).
enum class ControlType : uint8_t {
  kChallengeRequest = kLeadChallengeRequest,
  kChallengeReply = kLeadChallengeReply,
  kConnectRequest = kLeadConnectRequest,
  kConnectOK = kLeadConnectOK,
  kConnectionClosed = kLeadConnectionClosed,
  kNoConnection = kLeadNoConnection,
};

// What the lead byte says a datagram is (udp.md §1). Receivers drop kTooShort and
// kUnknown datagrams silently.
enum class DatagramKind : uint8_t {
  kTooShort,  // fewer than kMinDatagramSize bytes: dropped before any other check
  kControl,   // lead byte 0x20-0x25
  kData,      // lead byte with the top bit set
  kUnknown,   // any other lead byte
};

DatagramKind classifyDatagram(ByteSpan datagram);

// The control type of a lead byte, or nullopt if the byte is not one of 0x20-0x25.
std::optional<ControlType> controlTypeFromLeadByte(uint8_t lead_byte);

// True for the two padded types (ChallengeRequest, ConnectionClosed; udp.md §2.1).
bool isPaddedControlType(ControlType type);

// "ChallengeRequest", "ConnectOK", ... (the spec's names without the CMsg prefix).
std::string_view controlTypeName(ControlType type);

// One decoded control message. The variant's alternatives are in lead-byte order, so
// the alternative index is (lead byte - 0x20).
using ControlMessage = std::variant<ChallengeRequest, ChallengeReply, ConnectRequest, ConnectOK,
                                    ConnectionClosed, NoConnection>;

ControlType controlTypeOf(const ControlMessage& message);

struct ControlPacket {
  ControlMessage message;

  ControlType type() const { return controlTypeOf(message); }
};

// Decodes a whole datagram that classifyDatagram() calls kControl. Errors: too short,
// over kMaxDatagramReceiveSize, not a control lead byte, padded message under 512 bytes,
// body length 0 or past the end, protobuf body that does not parse (a plain message
// with trailing bytes usually fails here, as in GNS).
absl::StatusOr<ControlPacket> decodeControlPacket(ByteSpan datagram);

// Encodes a message with the framing of its type: plain = lead byte + body; padded =
// lead byte + uint16 LE length + body + zeros up to 512 bytes. Errors (nothing would be
// sent, as in GNS): a datagram over kMaxUdpPayloadSize, or an empty body for a padded
// type (receivers reject body length 0).
absl::StatusOr<Bytes> encodeControlPacket(const ControlMessage& message);

// Human-readable rendering for tools and logs: a header line with the type and the
// datagram framing, then one line per present field (nested messages indented, the
// signed byte strings cert / crypt info decoded, bytes in hex).
std::string describeControlPacket(const ControlPacket& packet);

}  // namespace opengns::wire
