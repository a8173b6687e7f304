// Compares the messages an SNP receiver delivered for one direction of a recorded session
// with what the receiving application logged (app_messages.json `recv` events; in
// chat_session, which logs only sends, the other side's `send` events). Shared by the
// tests that replay ../shared/vectors into the receive parts and into SnpSession.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "snp/received_message.h"
#include "support/recorded_session.h"

namespace opengns::snp::testing {

// Checks `delivered` (direction "c2s" or "s2c" of `session`) against the log, per lane and
// kind, and returns the number of messages compared. Reliable messages of a lane must come
// in stream order (snp.md 7.4). Unreliable ones have no ordering guarantee; they are
// compared in order too, except in lossy_session: there the capture order of two client
// packets sent 67 us apart from two threads (idx 74 and 75, numbers 54 and 52) differs
// from the order the server processed them in (it delivered U050 before U052; loopback may
// reorder packets sent from different CPUs), so there the unreliable messages are compared
// by message number.
inline size_t expectRecordedDeliveries(const std::string& session,
                                       const nlohmann::json& messages_doc, const std::string& dir,
                                       const std::vector<ReceivedMessage>& delivered) {
  const bool chat = session == "chat_session";
  const bool unreliable_in_order = session != "lossy_session";
  using Key = std::pair<uint32_t, bool>;  // lane, reliable
  std::map<Key, std::vector<const nlohmann::json*>> expected;
  for (const nlohmann::json& event : messages_doc["app_events"]) {
    const std::string kind = event["event"].get<std::string>();
    const std::string side = event["side"].get<std::string>();
    std::string event_dir;
    if (!chat && kind == "recv") event_dir = side == "server" ? "c2s" : "s2c";
    if (chat && kind == "send") event_dir = side == "client" ? "c2s" : "s2c";
    if (event_dir != dir) continue;
    expected[{event["lane"].get<uint32_t>(), event["reliable"].get<int>() != 0}].push_back(&event);
  }
  std::map<Key, std::vector<const ReceivedMessage*>> got;
  for (const ReceivedMessage& m : delivered)
    got[{m.lane, m.reliable}].push_back(&m);
  std::set<Key> keys;
  for (const auto& [key, list] : expected)
    keys.insert(key);
  for (const auto& [key, list] : got)
    keys.insert(key);
  size_t compared = 0;
  std::map<uint32_t, uint64_t> ordinal;  // chat: message numbers by order, per lane
  for (const Key& key : keys) {
    auto want = expected[key];
    auto have = got[key];
    const std::string where =
        dir + " lane " + std::to_string(key.first) + (key.second ? " reliable" : " unreliable");
    EXPECT_EQ(have.size(), want.size()) << where;
    if (have.size() != want.size()) continue;
    std::vector<uint64_t> numbers;
    for (const nlohmann::json* event : want)
      numbers.push_back(chat ? ++ordinal[key.first] : (*event)["msg_num"].get<uint64_t>());
    if (!key.second && !unreliable_in_order) {
      std::vector<size_t> order(want.size());
      for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return numbers[a] < numbers[b]; });
      std::vector<const nlohmann::json*> sorted_want;
      std::vector<uint64_t> sorted_numbers;
      for (size_t i : order) {
        sorted_want.push_back(want[i]);
        sorted_numbers.push_back(numbers[i]);
      }
      want = sorted_want;
      numbers = sorted_numbers;
      std::sort(have.begin(), have.end(),
                [](const auto* a, const auto* b) { return a->message_number < b->message_number; });
    }
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(have[i]->message_number, numbers[i]) << where << " #" << i;
      EXPECT_EQ(have[i]->data, opengns::testing::recordedMessageBytes(*want[i]))
          << where << " #" << i;
      ++compared;
    }
  }
  return compared;
}

}  // namespace opengns::snp::testing
