// Wire-visible numbers of the direct UDP transport (udp.md), each with the section it
// comes from. Everything here is WIRE unless marked LOCAL: changing a WIRE value breaks
// interoperability with GNS peers. Timers and policies of the connection state machine
// (retry intervals, timeouts, rate limits) are LOCAL and live with that layer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opengns::wire {

// --- Datagram classification (udp.md §1, §8) ---

// Lead bytes of the six control messages (udp.md §1, §2.2-2.7).
inline constexpr uint8_t kLeadChallengeRequest = 0x20;
inline constexpr uint8_t kLeadChallengeReply = 0x21;
inline constexpr uint8_t kLeadConnectRequest = 0x22;
inline constexpr uint8_t kLeadConnectOK = 0x23;
inline constexpr uint8_t kLeadConnectionClosed = 0x24;
inline constexpr uint8_t kLeadNoConnection = 0x25;
inline constexpr uint8_t kFirstControlLeadByte = kLeadChallengeRequest;
inline constexpr uint8_t kLastControlLeadByte = kLeadNoConnection;

// A lead byte with the top bit set is a data packet; the byte is its flag byte (udp.md §1).
inline constexpr uint8_t kDataPacketMarker = 0x80;

// Shorter datagrams are dropped before any other check, whatever their kind (udp.md §1).
inline constexpr size_t kMinDatagramSize = 5;
// GNS never sends a larger datagram, control or data, and neither may we (udp.md §2.1, §4.6).
inline constexpr size_t kMaxUdpPayloadSize = 1300;
// GNS's receive buffer (udp.md §1). LOCAL: a larger datagram cannot be read whole, so
// our decoders reject anything above it.
inline constexpr size_t kMaxDatagramReceiveSize = 2324;

// --- Control message framing (udp.md §2.1) ---

// Padded messages (ChallengeRequest, ConnectionClosed): lead byte, uint16 LE body length,
// body, zeros up to 512 bytes. Receivers drop a padded message shorter than 512 bytes.
inline constexpr size_t kPaddedHeaderSize = 3;
inline constexpr size_t kPaddedMessageMinSize = 512;
// Plain messages: lead byte, then the body up to the end of the datagram.
inline constexpr size_t kPlainHeaderSize = 1;
// LOCAL (GNS): the end-debug text of a ConnectionClosed is at most 127 bytes (udp.md §2.6).
inline constexpr size_t kMaxEndDebugTextBytes = 127;

// --- Data packet header (udp.md §4.1-4.3) ---

// Flag bits of the lead byte of a data packet (udp.md §4.1). Bits 2-6 are sent as 0
// and ignored on receipt.
inline constexpr uint8_t kDataFlagInlineStats = 0x01;
inline constexpr uint8_t kDataFlagTimeSincePrevious = 0x02;
// flag byte + to_connection_id (uint32 LE) + low 16 bits of the packet number (uint16 LE).
inline constexpr size_t kDataHeaderSize = 7;
inline constexpr size_t kDataHeaderConnectionIdOffset = 1;
inline constexpr size_t kDataHeaderPacketNumberOffset = 5;
// The time-since-previous field is a uint16 LE in units of 16 us (udp.md §4.3).
inline constexpr size_t kTimeSincePreviousFieldSize = 2;
inline constexpr unsigned kTimeSincePreviousUnitShift = 4;
// LOCAL (GNS): the field is only sent for gaps up to 250 ms (udp.md §4.3).
inline constexpr uint32_t kTimeSincePreviousMaxSentUsec = 250'000;

// --- Sizes and budget (udp.md §4.5, §4.6) ---

inline constexpr size_t kAesGcmTagSize = 16;
// LOCAL (GNS): room reserved for the header and the inline stats blob; the encrypted
// chunk sent is at most 1300 - 52 = 1248 bytes.
inline constexpr size_t kReservedHeaderAndStatsRoom = 52;
inline constexpr size_t kMaxEncryptedChunkSent = kMaxUdpPayloadSize - kReservedHeaderAndStatsRoom;
// LOCAL (GNS): largest decrypted plaintext a GNS receiver accepts (udp.md §4.5).
inline constexpr size_t kMaxPlaintextAccepted = 1300;

// --- Inline stats flags, CMsgSteamSockets_UDP_Stats.flags (udp.md §2.9) ---

inline constexpr uint32_t kStatsFlagAckRequestRelay = 1;  // reserved, unused on direct UDP
inline constexpr uint32_t kStatsFlagAckRequestE2E = 2;    // implied when field 1 is present
inline constexpr uint32_t kStatsFlagAckRequestImmediate = 4;
inline constexpr uint32_t kStatsFlagNotPrimarySession = 8;        // reserved, unused
inline constexpr uint32_t kStatsFlagNotPrimaryTransportE2E = 16;  // P2P only

// --- Protocol versions (udp.md §3.5) ---

inline constexpr uint32_t kProtocolVersion = 13;
// LOCAL policy of GNS: the oldest peer version it talks to.
inline constexpr uint32_t kMinPeerProtocolVersion = 8;
// Peer version gates of features (udp.md §3.5).
inline constexpr uint32_t kMinVersionPacketNumbersStartAt2 = 10;
inline constexpr uint32_t kMinVersionMultipleLanes = 11;
inline constexpr uint32_t kMinVersionTimeSincePrevious = 12;

// --- Packet numbers (udp.md §4.4) ---

// For peers >= v10 the handshake counts as packet 1: the first data packet each way is 2
// and the receiver starts with "highest received" = 1 (every number <= 1 counts as seen).
inline constexpr uint64_t kFirstDataPacketNumber = 2;
inline constexpr uint64_t kInitialHighestReceivedPacketNumber = 1;
// A forward jump of this much or more re-initialises a GNS receiver's window and marks
// every lower number received: a sender must never skip numbers.
inline constexpr uint64_t kPacketNumberWindowResetJump = 100;
// LOCAL (GNS): a forward jump above this after decryption fails the connection (5001).
inline constexpr uint64_t kPacketNumberMaxForwardJump = 0x4000;

}  // namespace opengns::wire
