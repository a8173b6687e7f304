// Wire-visible numbers of SNP, the reliability and message layer inside a data packet's
// plaintext (snp.md). Every mask, value and limit that a frame codec or a receiver needs
// lives here with the section it comes from, so that no magic number hides in the codecs.
// WIRE values must match the reference exactly; values marked LOCAL are the reference's
// defaults, which our receivers use as defaults too (configurable where they are used).
#pragma once

#include <cstddef>
#include <cstdint>

namespace opengns::wire {

// §1.1 Lead byte map: (lead & mask) == value selects the frame type.
inline constexpr uint8_t kUnreliableSegmentLeadMask = 0xC0;  // 00emosss
inline constexpr uint8_t kUnreliableSegmentLeadValue = 0x00;
inline constexpr uint8_t kReliableSegmentLeadMask = 0xE0;  // 010mmsss
inline constexpr uint8_t kReliableSegmentLeadValue = 0x40;
inline constexpr uint8_t kStopWaitingLeadMask = 0xFC;  // 100000ww
inline constexpr uint8_t kStopWaitingLeadValue = 0x80;
inline constexpr uint8_t kSelectLaneLeadMask = 0xF8;  // 10001nnn
inline constexpr uint8_t kSelectLaneLeadValue = 0x88;
inline constexpr uint8_t kAckLeadMask = 0xF0;  // 1001wnnn
inline constexpr uint8_t kAckLeadValue = 0x90;

// §1.2 Var-int: unsigned LEB128, at most ceil(bits / 7) bytes for the target width.
inline constexpr uint8_t kVarintContinuationBit = 0x80;
inline constexpr uint8_t kVarintValueMask = 0x7F;
inline constexpr size_t kVarint32MaxBytes = 5;
inline constexpr size_t kVarint64MaxBytes = 10;

// §1.3 Segment size field (low 3 bits of both segment lead bytes).
inline constexpr uint8_t kSegmentSizeCodeMask = 0x07;
inline constexpr uint8_t kSegmentSizeCodeMaxExplicit = 4;  // 0-4: size = code * 256 + next byte
inline constexpr uint8_t kSegmentSizeCodeToEnd = 7;        // data runs to the end of the packet
inline constexpr uint32_t kSegmentMaxExplicitSizeBytes = 4 * 256 + 255;  // 1279

// §1.5 Unreliable segment lead bits.
inline constexpr uint8_t kUnreliableLastSegmentBit = 0x20;    // e
inline constexpr uint8_t kUnreliableNumberFormBit = 0x10;     // m
inline constexpr uint8_t kUnreliableOffsetPresentBit = 0x08;  // o

// §1.6 Reliable segment lead bits: position field width `mm`.
inline constexpr uint8_t kReliablePositionWidthMask = 0x18;
inline constexpr int kReliablePositionWidthShift = 3;
inline constexpr uint8_t kReliablePositionWidthReserved = 3;  // mm=11 on a first segment

// §1.7 Stop waiting: `ww` selects a 1, 2, 3 or 8-byte field.
inline constexpr uint8_t kStopWaitingWidthMask = 0x03;

// §1.8 Ack frame.
inline constexpr uint8_t kAckLatest16BitBit = 0x08;  // w: 1 = 16-bit latest, 0 = 32-bit
inline constexpr uint8_t kAckBlockCountMask = 0x07;
inline constexpr uint8_t kAckBlockCountExplicit = 7;  // nnn=7: a count byte follows the delay
inline constexpr size_t kAckMaxInlineBlockCount = 6;
inline constexpr size_t kAckMaxBlockCount = 255;  // the explicit count is one byte
inline constexpr uint16_t kAckDelayNoTiming = 0xFFFF;
inline constexpr uint32_t kAckDelayUnitUsec = 32;
inline constexpr uint64_t kAckMaxRunLength = uint64_t{100000} << 3;  // larger runs: decode error
// Ack block header byte `aaaannnn`.
inline constexpr uint8_t kAckBlockAckRunVarintBit = 0x80;
inline constexpr uint8_t kAckBlockAckRunLowMask = 0x70;
inline constexpr int kAckBlockAckRunLowShift = 4;
inline constexpr uint8_t kAckBlockNackRunVarintBit = 0x08;
inline constexpr uint8_t kAckBlockNackRunLowMask = 0x07;
inline constexpr int kAckBlockRunLowBits = 3;  // runs >= 8 carry (run >> 3) in a var-int

// §1.9 Select lane.
inline constexpr uint8_t kSelectLaneInlineMask = 0x07;  // nnn 0-6: lane nnn + 1
inline constexpr uint8_t kSelectLaneEscape = 7;         // nnn=7: lane var-int follows
inline constexpr uint32_t kMaxInlineSelectLane = 7;
inline constexpr uint32_t kMaxLane = 255;

// §2.2 Each lane's reliable stream starts at position 1; position 0 is never used.
inline constexpr uint64_t kFirstStreamPosition = 1;

// §2.3 Reliable message header `0mDsssss`.
inline constexpr uint8_t kReliableHeaderReservedBit = 0x80;
inline constexpr uint8_t kReliableHeaderNumberDeltaBit = 0x40;  // m
inline constexpr uint8_t kReliableHeaderSizeVarintBit = 0x20;   // D
inline constexpr uint8_t kReliableHeaderSizeLowMask = 0x1F;
inline constexpr int kReliableHeaderSizeLowBits = 5;
inline constexpr uint64_t kReliableHeaderMaxSizeVarint = uint64_t{0xFFFFFFFF} >> 5;
// §2.3 Receiver limits that close the connection in the reference.
inline constexpr uint64_t kReliableMaxMessageNumberDelta = 1000000;
inline constexpr uint64_t kReliableMaxMessageNumberAboveHighest = 10000;

// §1.5 / §5.2 Unreliable receiver limits (WIRE-visible: they decide what is assembled).
inline constexpr uint32_t kUnreliableMaxSegmentBytes = 1300;
inline constexpr uint32_t kUnreliableMaxMessageBytes = 20 * 1300;  // 26000
inline constexpr size_t kUnreliableMaxStoredPieces = 20;  // a piece arriving at > 20 evicts

// §5.3 Receiver buffer limits (LOCAL defaults of the reference).
inline constexpr uint64_t kDefaultRecvBufferSizeBytes = 1048576;     // RecvBufferSize
inline constexpr uint32_t kDefaultRecvMaxMessageSizeBytes = 524288;  // RecvMaxMessageSize
inline constexpr size_t kReliableMaxHolesWhenExtending = 30;         // §2.4 step 3
inline constexpr size_t kReliableMaxHolesWhenSplitting = 20;         // §2.4 step 4
inline constexpr size_t kDefaultRecvMaxSegmentsPerPacket = 1300;

}  // namespace opengns::wire
