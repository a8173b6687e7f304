// Helpers for the transport tests: deterministic payloads and "send all / receive N" loops
// over loopback sockets, bounded by generous timeouts so a broken build fails instead of
// hanging. No timing is asserted anywhere.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "transport/datagram_batch.h"
#include "transport/packet_io.h"
#include "transport/udp_socket.h"

namespace opengns::transport::testing {

inline constexpr std::chrono::milliseconds kPatience{5000};

// Bytes that identify datagram `tag` and its size: the tag in the first 4 bytes (as far
// as they fit), then a tag-dependent ramp.
inline Bytes patternPayload(uint32_t tag, size_t size) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i) {
    bytes[i] =
        i < 4 ? static_cast<uint8_t>(tag >> (8 * i)) : static_cast<uint8_t>(tag * 31u + i * 7u);
  }
  return bytes;
}

inline UdpSocket openOrDie(const SocketAddress& address, UdpSocketOptions options = {}) {
  // Room for every test's burst: loopback drops what does not fit the receive queue.
  if (options.receive_buffer_bytes == 0) options.receive_buffer_bytes = 4 << 20;
  absl::StatusOr<UdpSocket> socket = UdpSocket::open(address, options);
  EXPECT_TRUE(socket.ok()) << socket.status();
  return socket.ok() ? std::move(*socket) : UdpSocket();
}

inline bool waitFor(const UdpSocket& socket, short events) {
  pollfd entry{socket.fd(), events, 0};
  return ::poll(&entry, 1, static_cast<int>(kPatience.count())) > 0;
}

// Sends the whole batch, waiting for writability whenever the writer stops early.
inline void sendAll(PacketWriter& writer, const UdpSocket& socket, const DatagramBatch& batch) {
  size_t next = 0;
  while (next < batch.size()) {
    absl::StatusOr<size_t> sent = writer.sendBatch(batch, next);
    ASSERT_TRUE(sent.ok()) << sent.status();
    ASSERT_GE(*sent, next);
    if (*sent < batch.size()) {
      ASSERT_TRUE(waitFor(socket, POLLOUT)) << "socket never writable";
    }
    next = *sent;
  }
}

struct Received {
  SocketAddress peer;
  Bytes payload;
  bool operator==(const Received&) const = default;
};

// Reads until `count` datagrams arrived or nothing came for kPatience.
inline std::vector<Received> receiveCount(PacketReader& reader, const UdpSocket& socket,
                                          size_t count,
                                          DatagramBatch batch = DatagramBatch::forReceiving()) {
  std::vector<Received> received;
  while (received.size() < count) {
    batch.clear();
    absl::StatusOr<size_t> got = reader.receiveBatch(batch);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) break;
    EXPECT_EQ(*got, batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const ByteSpan payload = batch.payload(i);
      received.push_back({batch.peer(i), Bytes(payload.begin(), payload.end())});
    }
    if (*got == 0 && !waitFor(socket, POLLIN)) break;
  }
  return received;
}

// True if nothing is waiting on the socket within `wait`.
inline bool staysQuiet(const UdpSocket& socket, std::chrono::milliseconds wait) {
  pollfd entry{socket.fd(), POLLIN, 0};
  return ::poll(&entry, 1, static_cast<int>(wait.count())) == 0;
}

}  // namespace opengns::transport::testing
