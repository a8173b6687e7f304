// Test helper: the handshake messages of a recorded UDP session (../shared/vectors), decoded
// with the wire codec, plus the two UDP addresses. The first ConnectRequest and ConnectOK
// of the capture, and the last ChallengeReply before that ConnectRequest.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "connection/peer_address.h"
#include "opengns_udp.pb.h"
#include "support/vectors.h"
#include "wire/control_packet.h"

namespace opengns::connection::testing_util {

struct RecordedHandshake {
  std::string session;
  wire::ChallengeReply challenge_reply;
  wire::ConnectRequest request;
  wire::ConnectOK ok;
  uint32_t connect_ok_index = 0;
  PeerAddress client_address;
  PeerAddress server_address;
};

inline PeerAddress parseAddress(const nlohmann::json& text) {
  std::optional<NetworkingIPAddr> address = NetworkingIPAddr::parse(text.get<std::string>());
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(NetworkingIPAddr());
}

// Fills `out`; use with ASSERT_NO_FATAL_FAILURE. Parsed once per session per process
// (some packets.json files are megabytes).
inline void loadRecordedHandshake(const std::string& session, RecordedHandshake* out) {
  static std::map<std::string, RecordedHandshake> cache;
  if (auto it = cache.find(session); it != cache.end()) {
    *out = it->second;
    return;
  }
  out->session = session;
  auto doc = testing::loadJson(testing::vectorsDir() / (session + ".packets.json"));
  bool have_reply = false, have_request = false, have_ok = false;
  for (const auto& p : doc["packets"]) {
    if (p.value("kind", "") != "control" || p["udp_payload_hex"].is_null()) continue;
    auto packet = wire::decodeControlPacket(testing::hexBytes(p["udp_payload_hex"]));
    ASSERT_TRUE(packet.ok()) << session << " idx " << p["index"] << ": " << packet.status();
    if (auto* reply = std::get_if<wire::ChallengeReply>(&packet->message); reply && !have_request) {
      out->challenge_reply = *reply;
      have_reply = true;
    } else if (auto* req = std::get_if<wire::ConnectRequest>(&packet->message);
               req && !have_request) {
      out->request = *req;
      out->client_address = parseAddress(p["src"]);
      out->server_address = parseAddress(p["dst"]);
      have_request = true;
    } else if (auto* ok = std::get_if<wire::ConnectOK>(&packet->message); ok && !have_ok) {
      out->ok = *ok;
      out->connect_ok_index = p["index"].get<uint32_t>();
      have_ok = true;
    }
  }
  ASSERT_TRUE(have_reply && have_request && have_ok) << session << ": handshake incomplete";
  cache.emplace(session, *out);
}

}  // namespace opengns::connection::testing_util
