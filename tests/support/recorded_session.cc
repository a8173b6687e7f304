#include "support/recorded_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/vectors.h"

namespace opengns::testing {

using nlohmann::json;

Bytes recordedPlaintext(const json& packet) {
  Bytes plaintext;
  if (packet["plaintext_hex"].is_string()) {
    plaintext = hexBytes(packet["plaintext_hex"].get<std::string>());
  } else if (packet.value("payload_elided", false)) {
    const json& layout = packet["elided_layout"];
    plaintext = hexBytes(layout["plaintext_prefix_hex"].get<std::string>());
    EXPECT_EQ(layout["run_offset"].get<size_t>(), plaintext.size());
    const std::string rule = layout["run_rule"].get<std::string>();
    const bool ascending = rule.find("run_first_byte + k") != std::string::npos;
    EXPECT_TRUE(ascending || rule.find("run_first_byte - k") != std::string::npos) << rule;
    const int first = layout["run_first_byte"].get<int>();
    const size_t run_len = layout["run_len"].get<size_t>();
    for (size_t k = 0; k < run_len; ++k) {
      const int step = static_cast<int>(k % 251);
      plaintext.push_back(
          static_cast<uint8_t>(ascending ? (first + step) % 251 : (first - step + 251) % 251));
    }
    const Bytes suffix = hexBytes(layout["plaintext_suffix_hex"].get<std::string>());
    plaintext.insert(plaintext.end(), suffix.begin(), suffix.end());
  } else {
    const Bytes udp = hexBytes(packet["udp_payload_hex"].get<std::string>());
    const size_t offset = packet["chunk_offset"].get<size_t>();
    EXPECT_LE(offset, udp.size());
    plaintext.assign(udp.begin() + static_cast<std::ptrdiff_t>(std::min(offset, udp.size())),
                     udp.end());
  }
  EXPECT_EQ(plaintext.size(), packet["plaintext_len"].get<size_t>()) << "idx " << packet["index"];
  return plaintext;
}

Bytes recordedMessageBytes(const json& event) {
  const size_t len = event["len"].get<size_t>();
  Bytes bytes;
  if (event.contains("data_hex") && event["data_hex"].is_string()) {
    bytes = hexBytes(event["data_hex"].get<std::string>());
  } else if (event.contains("data_unit_ascii") && event["data_unit_ascii"].is_string()) {
    const std::string unit = event["data_unit_ascii"].get<std::string>();
    for (size_t i = 0; i < len; ++i)
      bytes.push_back(static_cast<uint8_t>(unit[i % unit.size()]));
  } else if (event.contains("data_pattern") && event["data_pattern"].is_string()) {
    const std::string rule = event["data_pattern"].get<std::string>();
    for (size_t i = 0; i < len; ++i) {
      if (rule.rfind("byte i = i mod 251", 0) == 0) {
        bytes.push_back(static_cast<uint8_t>(i % 251));
      } else if (rule.rfind("byte i = 250 - (i mod 251)", 0) == 0) {
        bytes.push_back(static_cast<uint8_t>(250 - i % 251));
      } else {
        ADD_FAILURE() << "unknown data_pattern " << rule;
        break;
      }
    }
  } else {
    ADD_FAILURE() << "no message bytes in " << event.dump();
  }
  EXPECT_EQ(bytes.size(), len);
  return bytes;
}

}  // namespace opengns::testing
