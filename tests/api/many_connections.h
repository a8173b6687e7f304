// N clients (one instance, N connections with N sockets) to one listen socket on
// 127.0.0.1, each exchanging a reliable message both ways, then closing. Shared by the
// 50-connection test of the normal suite and the 500-connection one labelled `heavy`.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "api/connection_id_registry.h"
#include "loopback_peers.h"

namespace opengns::testing {

inline void runManyConnections(int count) {
  const size_t ids_before = api::liveConnectionIdCount();
  {
    Peer server(true);
    Peer client;
    const auto listen_port = listenOn(server, "127.0.0.1:0");
    [[maybe_unused]] const auto listen = listen_port.first;
    [[maybe_unused]] const auto port = listen_port.second;
    std::vector<ConnectionHandle> clients;
    for (int i = 0; i < count; ++i) {
      ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port));
      ASSERT_NE(c, kInvalidConnection) << i;
      ASSERT_TRUE(client->setConnectionUserData(c, i));
      clients.push_back(c);
    }
    ASSERT_TRUE(waitUntil(
        {&client, &server},
        [&] {
          if (server.incoming().size() < clients.size()) return false;
          for (ConnectionHandle c : clients)
            if (stateOf(client, c) != ConnectionState::kConnected) return false;
          return true;
        },
        std::chrono::seconds(60)))
        << server.incoming().size() << " of " << count << " arrived";
    // Handles are distinct, and so are their low halves (lifecycle.md §6.1).
    std::set<uint32_t> low_halves;
    for (ConnectionHandle c : clients)
      low_halves.insert(static_cast<uint32_t>(c) & 0xffff);
    for (ConnectionHandle s : server.incoming())
      low_halves.insert(static_cast<uint32_t>(s) & 0xffff);
    EXPECT_EQ(low_halves.size(), 2u * count);

    PollGroupHandle group = server->createPollGroup();
    for (ConnectionHandle s : server.incoming())
      ASSERT_TRUE(server->setConnectionPollGroup(s, group));
    for (int i = 0; i < count; ++i) {
      ASSERT_EQ(client
                    ->sendMessageToConnection(clients[i], bytesOf("ping " + std::to_string(i)),
                                              kSendReliable)
                    .result,
                Result::kOK);
    }
    // The server answers every message on the connection it came from.
    int answered = 0;
    ASSERT_TRUE(waitUntil(
        {&client, &server},
        [&] {
          std::vector<MessagePtr> got;
          server->receiveMessagesOnPollGroup(group, 1000, &got);
          for (const MessagePtr& m : got) {
            const std::string reply = "pong" + textOf(*m).substr(4);
            EXPECT_EQ(server->sendMessageToConnection(m->connection, bytesOf(reply), kSendReliable)
                          .result,
                      Result::kOK);
            ++answered;
          }
          return answered == count;
        },
        std::chrono::seconds(60)));
    int replies = 0;
    ASSERT_TRUE(waitUntil(
        {&client, &server},
        [&] {
          for (int i = 0; i < count; ++i) {
            std::vector<MessagePtr> got;
            client->receiveMessagesOnConnection(clients[i], 10, &got);
            for (const MessagePtr& m : got) {
              EXPECT_EQ(textOf(*m), "pong " + std::to_string(i));
              EXPECT_EQ(m->receiver_user_data, i);
              ++replies;
            }
          }
          return replies == count;
        },
        std::chrono::seconds(60)));
    for (ConnectionHandle c : clients)
      EXPECT_TRUE(client->closeConnection(c, 0, "", false));
    ASSERT_TRUE(waitUntil(
        {&client, &server},
        [&] {
          for (ConnectionHandle s : server.incoming())
            if (stateOf(server, s) != ConnectionState::kClosedByPeer) return false;
          return true;
        },
        std::chrono::seconds(60)));
    EXPECT_TRUE(server->closeListenSocket(listen));
  }
  // Both instances are gone: every connection ID went back to the registry.
  EXPECT_EQ(api::liveConnectionIdCount(), ids_before);
}

}  // namespace opengns::testing
