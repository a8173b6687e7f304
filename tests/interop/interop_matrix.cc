// The interop matrix and gnspeer argument builders; see interop_matrix.h.
#include "interop_matrix.h"

#include <algorithm>

#include "interop_payload.h"

namespace opengns::interop {

std::string gnspeerCipherName(Cipher cipher) {
  return cipher == Cipher::kNull ? "none" : "aes-256-gcm";
}

std::string loopbackAddress(Family family) {
  return family == Family::kIPv6 ? "::1" : "127.0.0.1";
}

std::string loopbackHostPort(Family family, uint16_t port) {
  return family == Family::kIPv6 ? "[::1]:" + std::to_string(port)
                                 : "127.0.0.1:" + std::to_string(port);
}

std::string paramName(Cipher cipher, Family family) {
  return std::string(cipher == Cipher::kNull ? "Null" : "Aes") +
         (family == Family::kIPv6 ? "_IPv6" : "_IPv4");
}

void PrintTo(Cipher cipher, std::ostream* out) {
  *out << (cipher == Cipher::kNull ? "NULL cipher" : "AES-256-GCM");
}

void PrintTo(Family family, std::ostream* out) {
  *out << (family == Family::kIPv6 ? "IPv6" : "IPv4");
}

std::vector<std::string> gnspeerEchoServerArgs(Cipher cipher, Family family, int count) {
  std::vector<std::string> args = {"server",
                                   "--port",
                                   "0",
                                   "--bind",
                                   loopbackAddress(family),
                                   "--echo",
                                   "--timeout",
                                   std::to_string(kGnspeerTimeoutSeconds),
                                   "--print-max",
                                   "256"};
  if (count > 0) {
    args.push_back("--count");
    args.push_back(std::to_string(count));
  }
  if (cipher == Cipher::kNull) args.push_back("--unencrypted");
  return args;
}

std::vector<std::string> gnspeerClientArgs(Cipher cipher, const std::string& target) {
  std::vector<std::string> args = {
      "client", target, "--timeout", std::to_string(kGnspeerTimeoutSeconds), "--print-max", "256"};
  if (cipher == Cipher::kNull) args.push_back("--unencrypted");
  return args;
}

std::string digestKey(const GnspeerEvent& event) {
  return "lane=" + event.get("lane") + " len=" + event.get("len") +
         " sha256=" + event.get("sha256");
}

std::string digestKey(int lane, std::span<const uint8_t> data) {
  return "lane=" + std::to_string(lane) + " len=" + std::to_string(data.size()) +
         " sha256=" + sha256Hex(data);
}

std::vector<std::string> sortedDigestKeys(const std::vector<GnspeerEvent>& events) {
  std::vector<std::string> keys;
  for (const GnspeerEvent& event : events)
    keys.push_back(digestKey(event));
  std::sort(keys.begin(), keys.end());
  return keys;
}

GnspeerPredicate isKind(std::string kind) {
  return [kind = std::move(kind)](const GnspeerEvent& event) { return event.kind == kind; };
}

}  // namespace opengns::interop
