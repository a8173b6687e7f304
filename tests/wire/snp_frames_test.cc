// SNP frame codecs (snp.md §1): the worked examples of §9 byte for byte, round trips of
// every frame type, wire form and context case, expansion of truncated fields, and
// malformed input (reserved codes, truncation at every byte, overflows, sizes past the
// end, too many ack blocks, random bytes) rejected with clear errors.
#include "wire/snp_frames.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

#include "support/vectors.h"
#include "wire/snp_frame_decoder.h"
#include "wire/snp_frame_encoder.h"

namespace opengns::wire {
namespace {

Bytes hex(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (c != ' ') clean.push_back(c);
  }
  return opengns::testing::hexBytes(clean);
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes ascii(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

Bytes spanBytes(ByteSpan span) {
  return Bytes(span.begin(), span.end());
}

SnpDecodeContext context(uint64_t packet, uint64_t ack_reference) {
  SnpDecodeContext ctx;
  ctx.packet_number = packet;
  ctx.ack_reference_packet_number = ack_reference;
  return ctx;
}

// Every field, including the recorded wire form and the data bytes.
bool sameFrame(const SnpFrame& a, const SnpFrame& b) {
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<UnreliableSegmentFrame>(&a)) {
    auto& y = std::get<UnreliableSegmentFrame>(b);
    return x->lane == y.lane && x->message_number == y.message_number &&
           x->offset_bytes == y.offset_bytes && x->is_last == y.is_last &&
           spanBytes(x->data) == spanBytes(y.data) && x->number_form == y.number_form &&
           x->has_offset == y.has_offset && x->has_size_byte == y.has_size_byte;
  }
  if (auto* x = std::get_if<ReliableSegmentFrame>(&a)) {
    auto& y = std::get<ReliableSegmentFrame>(b);
    return x->lane == y.lane && x->stream_position == y.stream_position &&
           spanBytes(x->data) == spanBytes(y.data) && x->position_form == y.position_form &&
           x->has_size_byte == y.has_size_byte;
  }
  if (auto* x = std::get_if<StopWaitingFrame>(&a)) {
    auto& y = std::get<StopWaitingFrame>(b);
    return x->stop_packet_number == y.stop_packet_number &&
           x->field_width_bytes == y.field_width_bytes;
  }
  if (auto* x = std::get_if<AckFrame>(&a)) {
    auto& y = std::get<AckFrame>(b);
    if (x->blocks.size() != y.blocks.size()) return false;
    for (size_t i = 0; i < x->blocks.size(); ++i) {
      const AckBlock& p = x->blocks[i];
      const AckBlock& q = y.blocks[i];
      if (p.acked_begin != q.acked_begin || p.acked_end != q.acked_end ||
          p.nacked_begin != q.nacked_begin || p.nacked_end != q.nacked_end) {
        return false;
      }
    }
    return x->latest_packet_number == y.latest_packet_number && x->delay_raw == y.delay_raw &&
           x->implicit_acked_end == y.implicit_acked_end &&
           x->latest_is_16bit == y.latest_is_16bit &&
           x->has_block_count_byte == y.has_block_count_byte;
  }
  auto& x = std::get<SelectLaneFrame>(a);
  auto& y = std::get<SelectLaneFrame>(b);
  return x.lane == y.lane && x.escape_form == y.escape_form;
}

// Decodes, checks that encoding gives the same bytes back, returns the frames.
std::vector<SnpFrame> decodeAndReencode(const Bytes& plaintext, const SnpDecodeContext& ctx) {
  auto frames = decodeSnpFrames(plaintext, ctx);
  EXPECT_TRUE(frames.ok()) << frames.status();
  if (!frames.ok()) return {};
  auto encoded = encodeSnpFrames(*frames, {ctx.packet_number});
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (encoded.ok()) {
    EXPECT_EQ(toHex(*encoded), toHex(plaintext));
  }
  return *std::move(frames);
}

// §9.2 chat_session index 5: ack-only packet.
TEST(SnpFramesTest, WorkedExampleAckOnly) {
  const Bytes plaintext = hex("80 00 98 02 00 1f 06");
  auto frames = decodeAndReencode(plaintext, context(2, 3));
  ASSERT_EQ(frames.size(), 2u);
  const auto& stop = std::get<StopWaitingFrame>(frames[0]);
  EXPECT_EQ(stop.stop_packet_number, 1u);
  EXPECT_EQ(stop.field_width_bytes, 1);
  const auto& ack = std::get<AckFrame>(frames[1]);
  EXPECT_EQ(ack.latest_packet_number, 2u);
  EXPECT_EQ(ack.delay_raw, 0x061F);  // 1567 x 32 us = 50.1 ms
  EXPECT_TRUE(ack.blocks.empty());
  EXPECT_EQ(ack.implicit_acked_end, 3u);
  const PacketRange implicit = implicitAckedRange(ack, 1);
  EXPECT_EQ(implicit.begin, 1u);
  EXPECT_EQ(implicit.end, 3u);
}

// §9.3 chat_session index 6: a reliable message, size to the end of the packet.
TEST(SnpFramesTest, WorkedExampleReliableToEnd) {
  const Bytes plaintext =
      concat({hex("80 01 98 02 00 d7 78 57 01 00 00 00 00 00 11"), ascii("hello from client")});
  auto frames = decodeAndReencode(plaintext, context(3, 3));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(std::get<StopWaitingFrame>(frames[0]).stop_packet_number, 1u);
  EXPECT_EQ(std::get<AckFrame>(frames[1]).delay_raw, 0x78D7);
  const auto& seg = std::get<ReliableSegmentFrame>(frames[2]);
  EXPECT_EQ(seg.lane, 0u);
  EXPECT_EQ(seg.stream_position, 1u);
  EXPECT_EQ(seg.position_form, ReliablePositionForm::kAbsolute48);
  EXPECT_FALSE(seg.has_size_byte);
  EXPECT_EQ(spanBytes(seg.data), concat({hex("11"), ascii("hello from client")}));
}

// §9.1 and §9.4 from the chat_session capture itself (decrypted plaintexts).
TEST(SnpFramesTest, WorkedExamplesFromChatSession) {
  OPENGNS_REQUIRE_SHARED();
  const auto packets =
      opengns::testing::loadJson(opengns::testing::vectorsDir() / "chat_session.packets.json");
  const Bytes p4 = opengns::testing::hexBytes(packets["packets"][4]["plaintext_hex"]);
  auto frames = decodeAndReencode(p4, context(2, 2));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(std::get<StopWaitingFrame>(frames[0]).stop_packet_number, 0u);
  const auto& ack = std::get<AckFrame>(frames[1]);
  EXPECT_EQ(ack.latest_packet_number, 1u);
  EXPECT_EQ(ack.delay_raw, 0xFFFF);
  const auto& first = std::get<ReliableSegmentFrame>(frames[2]);
  EXPECT_EQ(first.stream_position, 1u);
  EXPECT_EQ(first.data.size(), 131u);
  EXPECT_TRUE(first.has_size_byte);
  const auto& second = std::get<ReliableSegmentFrame>(frames[3]);
  EXPECT_EQ(second.stream_position, 132u);
  EXPECT_EQ(second.position_form, ReliablePositionForm::kGap0);
  EXPECT_EQ(second.data.size(), 24u);
  EXPECT_EQ(spanBytes(second.data), concat({hex("17"), ascii("Thou art utterly alone.")}));

  const Bytes p9 = opengns::testing::hexBytes(packets["packets"][9]["plaintext_hex"]);
  auto reply = decodeAndReencode(p9, context(4, 5));
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(std::get<StopWaitingFrame>(reply[0]).stop_packet_number, 3u);
  EXPECT_EQ(std::get<AckFrame>(reply[1]).latest_packet_number, 4u);
  EXPECT_EQ(std::get<AckFrame>(reply[1]).delay_raw, 0x0107);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(reply[2]).stream_position, 156u);
}

// §9.5 unencrypted_session packet 8: three segments, only the first with a position.
TEST(SnpFramesTest, WorkedExampleThreeReliableSegments) {
  const Bytes msg(26, 0x19);
  const Bytes plaintext = concat({hex("80 00 98 02 00 00 00 50 34 00 00 00 00 00 1a"), msg,
                                  hex("40 1a"), msg, hex("47"), msg});
  auto frames = decodeAndReencode(plaintext, context(8, 8));
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(frames[2]).stream_position, 52u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(frames[3]).stream_position, 78u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(frames[4]).stream_position, 104u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(frames[3]).position_form, ReliablePositionForm::kGap0);
}

// §9.5 packets 10, 13, 19, 21 and 23 (s->c).
TEST(SnpFramesTest, WorkedExamplesUnencryptedSession) {
  const Bytes sw_ack = hex("80 00 98 02 00 00 00");
  const Bytes u1_plaintext = concat({sw_ack, hex("37 06 00 00 00"), ascii("unreliable #1")});
  auto u1 = decodeAndReencode(u1_plaintext, context(10, 3));
  ASSERT_EQ(u1.size(), 3u);
  const auto& unrel = std::get<UnreliableSegmentFrame>(u1[2]);
  EXPECT_EQ(unrel.message_number, 6u);
  EXPECT_EQ(unrel.offset_bytes, 0u);
  EXPECT_TRUE(unrel.is_last);
  EXPECT_EQ(unrel.number_form, UnreliableNumberForm::kAbsolute32);
  EXPECT_EQ(spanBytes(unrel.data), ascii("unreliable #1"));

  Bytes big = hex("57 82 00 00 00 00 00 68 04 9c 01");
  for (int i = 0; i < 1149; ++i)
    big.push_back(static_cast<uint8_t>(i));
  const Bytes b_plaintext = concat({sw_ack, big});
  auto b = decodeAndReencode(b_plaintext, context(13, 3));
  const auto& seg = std::get<ReliableSegmentFrame>(b[2]);
  EXPECT_EQ(seg.stream_position, 130u);
  EXPECT_EQ(seg.data.size(), 1153u);

  const Bytes lane1_plaintext =
      concat({sw_ack, hex("88 57 01 00 00 00 00 00 17"), ascii("lane 1 reliable message")});
  auto lane1 = decodeAndReencode(lane1_plaintext, context(19, 3));
  ASSERT_EQ(lane1.size(), 4u);
  EXPECT_EQ(std::get<SelectLaneFrame>(lane1[2]).lane, 1u);
  EXPECT_FALSE(std::get<SelectLaneFrame>(lane1[2]).escape_form);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(lane1[3]).lane, 1u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(lane1[3]).stream_position, 1u);

  const Bytes l1u_plaintext =
      concat({sw_ack, hex("88 37 02 00 00 00"), ascii("lane 1 unreliable message")});
  auto l1u = decodeAndReencode(l1u_plaintext, context(21, 3));
  EXPECT_EQ(std::get<UnreliableSegmentFrame>(l1u[3]).lane, 1u);
  EXPECT_EQ(std::get<UnreliableSegmentFrame>(l1u[3]).message_number, 2u);

  // Reliable S1, then unreliable S2 with an absolute number: cur_msgnum was 0, so the
  // "+1 after reliable" rule does not apply.
  const Bytes s1 = concat({hex("1a"), ascii("server reply #1 (reliable)")});
  const Bytes s2c_plaintext =
      concat({sw_ack, hex("50 01 00 00 00 00 00 1b"), s1, hex("37 02 00 00 00"),
              ascii("server reply #2 (unreliable)")});
  auto s2c = decodeAndReencode(s2c_plaintext, context(4, 10));
  ASSERT_EQ(s2c.size(), 4u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>(s2c[2]).data.size(), 27u);
  EXPECT_EQ(std::get<UnreliableSegmentFrame>(s2c[3]).message_number, 2u);
  EXPECT_EQ(std::get<UnreliableSegmentFrame>(s2c[3]).number_form,
            UnreliableNumberForm::kAbsolute32);
}

// §9.6: synthetic ack with two blocks.
TEST(SnpFramesTest, WorkedExampleAckWithBlocks) {
  const Bytes plaintext = hex("9a 28 00 10 00 b1 02 82 01");
  auto frames = decodeAndReencode(plaintext, context(50, 41));
  ASSERT_EQ(frames.size(), 1u);
  const auto& ack = std::get<AckFrame>(frames[0]);
  EXPECT_EQ(ack.latest_packet_number, 40u);
  EXPECT_EQ(ack.delay_raw, 16);
  ASSERT_EQ(ack.blocks.size(), 2u);
  EXPECT_EQ(ack.blocks[0].acked_begin, 22u);
  EXPECT_EQ(ack.blocks[0].acked_end, 41u);
  EXPECT_EQ(ack.blocks[0].nacked_begin, 21u);
  EXPECT_EQ(ack.blocks[0].nacked_end, 22u);
  EXPECT_EQ(ack.blocks[1].acked_begin, 13u);
  EXPECT_EQ(ack.blocks[1].acked_end, 21u);
  EXPECT_EQ(ack.blocks[1].nacked_begin, 11u);
  EXPECT_EQ(ack.blocks[1].nacked_end, 13u);
  EXPECT_EQ(ack.implicit_acked_end, 11u);
  const PacketRange implicit = implicitAckedRange(ack, 2);
  EXPECT_EQ(implicit.begin, 2u);
  EXPECT_EQ(implicit.end, 11u);
  EXPECT_EQ(implicitAckedRange(ack, 20).begin, implicitAckedRange(ack, 20).end);
}

// §1.4: after each reliable segment a non-zero cur_msgnum goes up by 1.
TEST(SnpFramesTest, PlusOneAfterReliableQuirk) {
  const Bytes unrel = ascii("u");
  const Bytes rel = ascii("r");
  for (const uint64_t second : {12u, 15u}) {
    UnreliableSegmentFrame u10;
    u10.message_number = 10;
    u10.is_last = true;
    u10.data = unrel;
    u10.has_size_byte = true;
    ReliableSegmentFrame r;
    r.stream_position = 100;
    r.data = rel;
    r.has_size_byte = true;
    UnreliableSegmentFrame u2 = u10;
    u2.message_number = second;
    u2.has_size_byte = false;
    std::vector<SnpFrame> frames = {u10, r, u2};
    applyReferenceEncoding(frames, 5);
    const auto form = std::get<UnreliableSegmentFrame>(frames[2]).number_form;
    EXPECT_EQ(form, second == 12 ? UnreliableNumberForm::kImplicitNext
                                 : UnreliableNumberForm::kVarintDelta);
    auto bytes = encodeSnpFrames(frames, {5});
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    // 12: lead 0x27 (e, m=0, code 7), no number field; 15: lead 0x37 then delta 4 (15 - 11).
    const Bytes tail = second == 12 ? hex("27 75") : hex("37 04 75");
    ASSERT_GE(bytes->size(), tail.size());
    EXPECT_EQ(Bytes(bytes->end() - static_cast<std::ptrdiff_t>(tail.size()), bytes->end()), tail);
    auto decoded = decodeSnpFrames(*bytes, context(5, 5));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(std::get<UnreliableSegmentFrame>((*decoded)[2]).message_number, second);
  }
}

// Frames covering every type, wire form and context case.
std::vector<SnpFrame> everyForm(const Bytes& data) {
  std::vector<SnpFrame> frames;
  // Field 500 in a 3-byte field: wider than needed, still valid.
  frames.push_back(StopWaitingFrame{499, 3});
  AckFrame ack;
  ack.latest_packet_number = 70000;
  ack.delay_raw = 0x1234;
  ack.latest_is_16bit = false;
  ack.has_block_count_byte = true;
  uint64_t end = ack.latest_packet_number + 1;
  for (uint64_t i = 0; i < 8; ++i) {
    const uint64_t ack_run = i * 9 + 1;      // 1, 10, 19, ...: low bits and var-ints
    const uint64_t nack_run = (i * 5) % 11;  // includes 0 and >= 8
    AckBlock block{end - ack_run, end, end - ack_run - nack_run, end - ack_run};
    ack.blocks.push_back(block);
    end = block.nacked_begin;
  }
  ack.implicit_acked_end = end;
  frames.push_back(ack);
  // Lane 0: unreliable absolute 16-bit, implicit, var-int delta, explicit zero offset.
  frames.push_back(UnreliableSegmentFrame{0, 70001, 0, false, data,
                                          UnreliableNumberForm::kAbsolute16, false, true});
  frames.push_back(UnreliableSegmentFrame{0, 70002, 300, true, data,
                                          UnreliableNumberForm::kImplicitNext, true, true});
  frames.push_back(UnreliableSegmentFrame{0, 70010, 0, true, data,
                                          UnreliableNumberForm::kVarintDelta, true, true});
  // Reliable: absolute 24-bit then gaps of every width.
  frames.push_back(
      ReliableSegmentFrame{0, 0x1000000 + 5, data, ReliablePositionForm::kAbsolute24, true});
  uint64_t pos = 0x1000000 + 5 + data.size();
  frames.push_back(ReliableSegmentFrame{0, pos, data, ReliablePositionForm::kGap0, true});
  pos += data.size() + 200;
  frames.push_back(ReliableSegmentFrame{0, pos, data, ReliablePositionForm::kGap8, true});
  pos += data.size() + 60000;
  frames.push_back(ReliableSegmentFrame{0, pos, data, ReliablePositionForm::kGap16, true});
  pos += data.size() + 5000000;
  frames.push_back(ReliableSegmentFrame{0, pos, data, ReliablePositionForm::kGap32, true});
  // An unreliable segment after reliable ones: base is 70010 + 5 (one per reliable).
  frames.push_back(UnreliableSegmentFrame{0, 70016, 0, true, data,
                                          UnreliableNumberForm::kImplicitNext, false, true});
  // Lanes: inline 1-7, escape 0 (back to lane 0), 8, 200, 255.
  for (uint32_t lane : {1u, 7u}) {
    frames.push_back(SelectLaneFrame{lane, false});
    frames.push_back(ReliableSegmentFrame{lane, 1, data, ReliablePositionForm::kAbsolute32, true});
  }
  frames.push_back(SelectLaneFrame{0, true});
  frames.push_back(
      ReliableSegmentFrame{0, 0x1000000 + 3, data, ReliablePositionForm::kAbsolute48, true});
  for (uint32_t lane : {3u, 8u, 200u}) {
    frames.push_back(SelectLaneFrame{lane, true});
    frames.push_back(UnreliableSegmentFrame{lane, 1, 0, true, data,
                                            UnreliableNumberForm::kAbsolute32, false, true});
  }
  frames.push_back(SelectLaneFrame{255, true});
  frames.push_back(UnreliableSegmentFrame{255, 4, 1279, true, data,
                                          UnreliableNumberForm::kAbsolute32, true, false});
  return frames;
}

SnpDecodeContext everyFormContext() {
  SnpDecodeContext ctx = context(1000, 70005);
  ctx.lane_references = [](uint32_t lane) {
    LaneDecodeReferences refs;
    if (lane == 0) {
      refs.highest_message_number = 69990;
      refs.reliable_expect_position = 0x1000000;
    }
    return refs;
  };
  return ctx;
}

TEST(SnpFramesTest, EveryFormRoundTrips) {
  const Bytes data = ascii("abc");
  const std::vector<SnpFrame> frames = everyForm(data);
  auto encoded = encodeSnpFrames(frames, {1000});
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  auto decoded = decodeSnpFrames(*encoded, everyFormContext());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_TRUE(sameFrame(frames[i], (*decoded)[i]))
        << i << ": " << describeFrame(frames[i]) << " vs " << describeFrame((*decoded)[i]);
  }
  auto again = encodeSnpFrames(*decoded, {1000});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *encoded);
}

TEST(SnpFramesTest, StopWaitingWidths) {
  const uint64_t packet = uint64_t{1} << 40;
  for (const auto& [field, width] : std::vector<std::pair<uint64_t, uint8_t>>{
           {0, 1}, {255, 1}, {256, 2}, {65535, 2}, {65536, 3}, {0xFFFFFF, 3}, {0x1000000, 8}}) {
    std::vector<SnpFrame> frames = {StopWaitingFrame{packet - field - 1, 8}};
    applyReferenceEncoding(frames, packet);
    EXPECT_EQ(std::get<StopWaitingFrame>(frames[0]).field_width_bytes, width) << field;
    auto bytes = encodeSnpFrames(frames, {packet});
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(bytes->size(), 1u + width);
    auto decoded = decodeSnpFrames(*bytes, context(packet, 0));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(std::get<StopWaitingFrame>((*decoded)[0]).stop_packet_number, packet - field - 1);
  }
}

TEST(SnpFramesTest, TruncatedNumbersExpandAgainstTheLaneState) {
  // Unreliable 16-bit: nearest to the highest number seen, both directions.
  auto decodeUnreliable = [](const Bytes& bytes, uint64_t highest) -> uint64_t {
    SnpDecodeContext ctx = context(2, 2);
    ctx.lane_references = [highest](uint32_t) { return LaneDecodeReferences{highest, 1}; };
    auto frames = decodeSnpFrames(bytes, ctx);
    EXPECT_TRUE(frames.ok()) << frames.status();
    return frames.ok() ? std::get<UnreliableSegmentFrame>((*frames)[0]).message_number : 0;
  };
  EXPECT_EQ(decodeUnreliable(hex("27 05 00 41"), 0x1FFFE), 0x20005u);
  EXPECT_EQ(decodeUnreliable(hex("27 ff ff 41"), 0x10003), 0xFFFFu);
  EXPECT_EQ(decodeUnreliable(hex("37 07 00 00 00 41"), 5), 7u);

  // Reliable 24-bit: low bits of `expect` replaced, moved up a period when half a period
  // or more below it, never moved down.
  auto decodeReliable = [](const Bytes& bytes, uint64_t expect) -> uint64_t {
    SnpDecodeContext ctx = context(2, 2);
    ctx.lane_references = [expect](uint32_t) { return LaneDecodeReferences{0, expect}; };
    auto frames = decodeSnpFrames(bytes, ctx);
    EXPECT_TRUE(frames.ok()) << frames.status();
    return frames.ok() ? std::get<ReliableSegmentFrame>((*frames)[0]).stream_position : 0;
  };
  EXPECT_EQ(decodeReliable(hex("47 f0 ff ff 41"), 0x1000005), 0x1FFFFF0u);
  EXPECT_EQ(decodeReliable(hex("47 10 00 00 41"), 0x1FFFFF0), 0x2000010u);
  EXPECT_EQ(decodeReliable(hex("47 10 00 00 41"), 0x1000020), 0x1000010u);

  // Earlier segments of the same packet count: the second first-in-context segment (after
  // a select-lane back to lane 0) expands against the end of the first one.
  const Bytes two = hex("40 f0 ff ff 01 41 8f 00 47 10 00 00 41");
  SnpDecodeContext ctx = context(2, 2);
  ctx.lane_references = [](uint32_t) { return LaneDecodeReferences{0, 0xFFFF00}; };
  auto frames = decodeSnpFrames(two, ctx);
  ASSERT_TRUE(frames.ok()) << frames.status();
  EXPECT_EQ(std::get<ReliableSegmentFrame>((*frames)[0]).stream_position, 0xFFFFF0u);
  EXPECT_EQ(std::get<ReliableSegmentFrame>((*frames)[2]).stream_position, 0x1000010u);

  // Ack latest: nearest to the receiver's own next packet number.
  auto ack = decodeSnpFrames(hex("98 ff ff 00 00"), context(2, 0x10002));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(std::get<AckFrame>((*ack)[0]).latest_packet_number, 0xFFFFu);
  ack = decodeSnpFrames(hex("98 01 00 00 00"), context(2, 0x1FFF0));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(std::get<AckFrame>((*ack)[0]).latest_packet_number, 0x20001u);
}

void expectError(const Bytes& plaintext, const SnpDecodeContext& ctx, const std::string& needle) {
  auto frames = decodeSnpFrames(plaintext, ctx);
  ASSERT_FALSE(frames.ok()) << toHex(plaintext) << " decoded";
  EXPECT_NE(std::string(frames.status().message()).find(needle), std::string::npos)
      << toHex(plaintext) << ": " << frames.status().message();
}

TEST(SnpFramesTest, MalformedFramesAreRejectedWithClearErrors) {
  const SnpDecodeContext ctx = context(10, 10);
  for (uint8_t lead : {0x60, 0x7F, 0x84, 0x87, 0xA0, 0xBF, 0xC0, 0xFF}) {
    expectError(Bytes{lead, 0, 0, 0}, ctx,
                absl::StrCat("reserved lead byte 0x", absl::Hex(lead, absl::kZeroPad2)));
  }
  expectError(hex("35 01 00 00 00"), ctx, "reserved size code 5");
  expectError(hex("46 01 00 00"), ctx, "reserved size code 6");
  expectError(hex("5f 01 00 00 00"), ctx, "reserved position width mm=3");
  expectError(hex("80 0a"), ctx, "field 10 in packet 10");
  expectError(hex("83 ff ff ff ff ff ff ff ff"), ctx, "stop value below 0");
  expectError(hex("9f 0a 00 00 00 09 00 00 00"), ctx, "9 blocks declared, 3 byte(s) left");
  expectError(hex("99 0a 00 00 00 80 c0 bb 31"), ctx, "above the limit 800000");
  expectError(hex("99 03 00 00 00 07"), ctx, "go below packet 0");
  expectError(hex("98 0a"), ctx, "16-bit latest runs past the end");
  expectError(hex("98 0a 00 01"), ctx, "delay runs past the end");
  expectError(hex("9a 0a 00 00 00 00"), ctx, "2 blocks declared, 1 byte(s) left");
  expectError(hex("98 0a 00 00 00 00"), ctx, "unreliable segment at offset 5");
  expectError(hex("8f 80 02"), ctx, "lane 256 above 255");
  expectError(hex("8f 80 80 80 80 80 00"), ctx, "longer than 5 bytes");
  expectError(hex("8f"), ctx, "runs past the end");
  expectError(hex("00 00 00 00"), ctx, "message number underflow");  // zero "padding"
  expectError(hex("50 00 00 00 00 00 00 01 41"), ctx, "stream position 0");
  expectError(hex("37 01 00 00"), ctx, "32-bit message number runs past the end");
  expectError(hex("30 01 00 00 00 05 41"), ctx, "size 5 declared, 1 byte(s) left");
  expectError(hex("3f 01 00 00 00 ff ff ff ff 1f"), ctx, "offset: var-int byte 4");
  expectError(hex("30 01 00 00 00 01 41 00 07 00 00"), ctx,
              "unreliable segment at offset 7: size 7 declared, 2 byte(s) left");
}

// The reference's truncated select-lane for lanes >= 8 (snp.md 1.9): the error names it.
TEST(SnpFramesTest, TruncatedSelectLaneIsRejectedAndNamed) {
  const SnpDecodeContext ctx = context(6, 3);
  // lanes_many_session idx 10 after the ack: `8f 50 01 00 00 ...` (lane 8, var-int lost).
  const Bytes lane8 = concat({hex("80 01 98 03 00 8a 18 8f 50 01 00 00 00 00 00 1f 1e"),
                              ascii("L08R1|L08R1|L08R1|L08R1|L08R1|")});
  auto frames = decodeSnpFrames(lane8, ctx);
  ASSERT_FALSE(frames.ok());
  const std::string message(frames.status().message());
  EXPECT_NE(message.find("message number underflow"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated select-lane"), std::string::npos) << message;
  EXPECT_NE(message.find("8f 50"), std::string::npos) << message;
  // Lanes 128-255: the first var-int byte is there, the lane comes out above 255.
  expectError(hex("8f 80 57 01 00 00 00 00 00 1e"), ctx, "lane 11136 above 255");
  expectError(hex("8f 80 57 01 00 00 00 00 00 1e"), ctx, "truncated");
  expectError(hex("8f c8 37 01 00 00 00 41"), ctx, "lane 7112 above 255");
  // The full form decodes.
  auto full = decodeSnpFrames(hex("8f 08 37 01 00 00 00 41"), ctx);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(std::get<UnreliableSegmentFrame>((*full)[1]).lane, 8u);
}

TEST(SnpFramesTest, TruncationAtEveryByteIsRejected) {
  const Bytes data = ascii("abc");
  std::vector<SnpFrame> frames = everyForm(data);
  // Make every segment carry an explicit size so that any cut inside a frame is an error.
  std::get<UnreliableSegmentFrame>(frames.back()).has_size_byte = true;
  std::vector<size_t> boundaries = {0};
  for (size_t n = 1; n <= frames.size(); ++n) {
    auto prefix = encodeSnpFrames(std::span<const SnpFrame>(frames.data(), n), {1000});
    ASSERT_TRUE(prefix.ok()) << n << ": " << prefix.status();
    boundaries.push_back(prefix->size());
  }
  auto full = encodeSnpFrames(frames, {1000});
  ASSERT_TRUE(full.ok());
  const SnpDecodeContext ctx = everyFormContext();
  for (size_t cut = 0; cut <= full->size(); ++cut) {
    const Bytes prefix(full->begin(), full->begin() + static_cast<std::ptrdiff_t>(cut));
    auto decoded = decodeSnpFrames(prefix, ctx);
    const auto boundary = std::find(boundaries.begin(), boundaries.end(), cut);
    if (boundary != boundaries.end()) {
      ASSERT_TRUE(decoded.ok()) << cut << ": " << decoded.status();
      EXPECT_EQ(decoded->size(), static_cast<size_t>(boundary - boundaries.begin()));
    } else {
      ASSERT_FALSE(decoded.ok()) << "cut at " << cut << " decoded";
      EXPECT_NE(decoded.status().message().find(" at offset "), absl::string_view::npos);
    }
  }
}

TEST(SnpFramesTest, RandomBytesNeverCrash) {
  std::mt19937 rng(1234);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng() % 48);
    for (uint8_t& b : bytes)
      b = static_cast<uint8_t>(rng());
    SnpDecodeContext ctx = context(rng() % 100000, rng() % 100000);
    auto frames = decodeSnpFrames(bytes, ctx);
    if (!frames.ok()) {
      EXPECT_FALSE(frames.status().message().empty());
      continue;
    }
    ++accepted;
    // Whatever decodes re-encodes to the same bytes unless a var-int was overlong.
    auto encoded = encodeSnpFrames(*frames, {ctx.packet_number});
    ASSERT_TRUE(encoded.ok()) << toHex(bytes) << ": " << encoded.status();
    if (encoded->size() == bytes.size()) {
      EXPECT_EQ(*encoded, bytes) << toHex(bytes);
    }
  }
  EXPECT_GT(accepted, 0u);
}

TEST(SnpFramesTest, EncoderRejectsInconsistentFrames) {
  const Bytes data = ascii("x");
  auto fails = [](std::vector<SnpFrame> frames, const std::string& needle) {
    auto bytes = encodeSnpFrames(frames, {10});
    ASSERT_FALSE(bytes.ok()) << needle;
    EXPECT_NE(std::string(bytes.status().message()).find(needle), std::string::npos)
        << bytes.status().message();
  };
  ReliableSegmentFrame to_end{0, 1, data, ReliablePositionForm::kAbsolute48, false};
  fails({to_end, to_end}, "size code 7");
  fails({ReliableSegmentFrame{3, 1, data, ReliablePositionForm::kAbsolute48, true}},
        "current lane is 0");
  ReliableSegmentFrame first{0, 10, data, ReliablePositionForm::kAbsolute48, true};
  fails({first, ReliableSegmentFrame{0, 5, data, ReliablePositionForm::kGap8, true}},
        "gaps are unsigned");
  fails({first, ReliableSegmentFrame{0, 400, data, ReliablePositionForm::kGap8, true}},
        "does not fit");
  fails({ReliableSegmentFrame{0, 1, data, ReliablePositionForm::kGap0, true}},
        "needs an absolute position");
  fails({UnreliableSegmentFrame{0, 5, 0, true, data, UnreliableNumberForm::kImplicitNext, false,
                                true}},
        "needs an absolute number");
  fails({StopWaitingFrame{10, 1}}, "not below the packet number");
  fails({StopWaitingFrame{0, 4}}, "must be 1, 2, 3 or 8");
  auto wide = encodeSnpFrames(std::vector<SnpFrame>{StopWaitingFrame{0, 1}}, {1000});
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(std::string(wide.status().message()).find("field 999 does not fit in 1 byte"),
            std::string::npos)
      << wide.status();
  fails({SelectLaneFrame{0, false}}, "needs the escape form");
  fails({SelectLaneFrame{256, true}}, "above 255");
  AckFrame ack;
  ack.latest_packet_number = 9;
  ack.blocks = {AckBlock{5, 9, 3, 5}};
  ack.implicit_acked_end = 3;
  fails({ack}, "not contiguous");
  ack.blocks = std::vector<AckBlock>(7, AckBlock{10, 10, 10, 10});
  ack.implicit_acked_end = 10;
  fails({ack}, "block count byte");
}

}  // namespace
}  // namespace opengns::wire
