#include "transport/datagram_batch.h"

#include <gtest/gtest.h>

#include "loopback_util.h"
#include "transport/transport_constants.h"
#include "wire/udp_constants.h"

namespace opengns::transport {
namespace {

using testing::patternPayload;

// The transport keeps its own copies of the two protocol sizes (it does not link the wire
// layer); they must not drift apart.
static_assert(kMaxDatagramBytes == wire::kMaxUdpPayloadSize);
static_assert(kReceiveSlotBytes == wire::kMaxDatagramReceiveSize);
static_assert(kReceiveSlotBytes >= kMaxDatagramBytes);

const SocketAddress kPeerA = SocketAddress::ipv4Loopback(1000);
const SocketAddress kPeerB = SocketAddress::ipv6Loopback(2000);

TEST(DatagramBatchTest, AppendKeepsPeersPayloadsAndOrder) {
  DatagramBatch batch(4, 100);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.maxDatagrams(), 4u);
  EXPECT_EQ(batch.arenaBytes(), 100u);
  const Bytes first = patternPayload(1, 10);
  const Bytes second = patternPayload(2, 0);
  const Bytes third = patternPayload(3, 30);
  ASSERT_TRUE(batch.append(kPeerA, first));
  ASSERT_TRUE(batch.append(kPeerB, second));
  ASSERT_TRUE(batch.append(kPeerA, third));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.peer(0), kPeerA);
  EXPECT_EQ(batch.peer(1), kPeerB);
  EXPECT_EQ(Bytes(batch.payload(0).begin(), batch.payload(0).end()), first);
  EXPECT_TRUE(batch.payload(1).empty());
  EXPECT_EQ(Bytes(batch.payload(2).begin(), batch.payload(2).end()), third);
  EXPECT_EQ(batch.payloadBytes(2), 30u);
  // Appended payloads sit back to back (a GSO send may rely on it).
  EXPECT_EQ(batch.payload(2).data(), batch.payload(0).data() + 10);
  EXPECT_EQ(batch.freeArenaBytes(), 60u);
  EXPECT_EQ(batch.freeDatagrams(), 1u);
}

TEST(DatagramBatchTest, RefusesWhenEntriesOrArenaRunOut) {
  DatagramBatch batch(2, 50);
  EXPECT_FALSE(batch.append(kPeerA, patternPayload(1, 51)));  // arena
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.append(kPeerA, patternPayload(1, 50)));
  EXPECT_FALSE(batch.append(kPeerA, patternPayload(2, 1)));  // arena exhausted
  EXPECT_TRUE(batch.append(kPeerA, patternPayload(2, 0)));   // empty still fits
  EXPECT_FALSE(batch.append(kPeerA, patternPayload(3, 0)));  // entries exhausted
  EXPECT_EQ(batch.size(), 2u);

  const uint8_t* arena = batch.payload(0).data();
  batch.clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.freeArenaBytes(), 50u);
  ASSERT_TRUE(batch.append(kPeerB, patternPayload(4, 5)));
  EXPECT_EQ(batch.payload(0).data(), arena) << "clear() must reuse the same memory";
}

TEST(DatagramBatchTest, PrepareAndCommitBuildInPlace) {
  DatagramBatch batch(3, 2000);
  MutableByteSpan space = batch.prepareAppend();
  ASSERT_EQ(space.size(), kMaxDatagramBytes);
  const Bytes payload = patternPayload(7, 700);
  std::copy(payload.begin(), payload.end(), space.begin());
  batch.commitAppend(kPeerB, payload.size());
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(Bytes(batch.payload(0).begin(), batch.payload(0).end()), payload);
  EXPECT_EQ(batch.peer(0), kPeerB);
  // Exactly one full datagram of arena is left; a smaller request gets a smaller span.
  EXPECT_EQ(batch.prepareAppend().size(), 1300u);
  EXPECT_EQ(batch.prepareAppend(100).size(), 100u);
  batch.commitAppend(kPeerA, 1300);
  EXPECT_EQ(batch.prepareAppend().size(), 0u);
  batch.commitAppend(kPeerA, 0);
  EXPECT_TRUE(batch.prepareAppend().empty()) << "no entries left";

  // Writing through mutablePayload changes what is sent.
  batch.mutablePayload(0)[0] = 0xEE;
  EXPECT_EQ(batch.payload(0)[0], 0xEE);
}

TEST(DatagramBatchTest, ForReceivingFitsGroAndPlainReceives) {
  for (size_t wanted : {size_t{8}, size_t{5000}}) {
    const DatagramBatch batch = DatagramBatch::forReceiving(wanted);
    EXPECT_EQ(batch.maxDatagrams(), wanted + kGroBuffersPerReceive * kMaxGroSegments);
    EXPECT_EQ(batch.arenaBytes(),
              wanted * kReceiveSlotBytes + kGroBuffersPerReceive * kGroBufferBytes);
  }
  const DatagramBatch sending = DatagramBatch::forSending(10);
  EXPECT_EQ(sending.maxDatagrams(), 10u);
  EXPECT_EQ(sending.arenaBytes(), 10 * kMaxDatagramBytes);
}

}  // namespace
}  // namespace opengns::transport
