// The dimensions of the interop matrix (cipher x address family, plus the role in the
// parameterized test) and what each means for gnspeer's command line and for comparing
// what was sent with what came back.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "support/gnspeer.h"

namespace opengns::interop {

using testing::GnspeerEvent;
using testing::GnspeerPredicate;

enum class Cipher { kAes256Gcm, kNull };
enum class Family { kIPv4, kIPv6 };

// Step timeout: generous, since CI machines are slow and gnspeer has no congestion
// control; a passing run takes well under a second per step.
inline constexpr std::chrono::milliseconds kStepTimeout{20000};
// gnspeer's own --timeout (seconds): a backstop so a stuck run ends by itself.
inline constexpr int kGnspeerTimeoutSeconds = 60;

// gnspeer's `cipher=` value for a connection using `cipher`.
std::string gnspeerCipherName(Cipher cipher);
// "127.0.0.1" or "::1".
std::string loopbackAddress(Family family);
// "127.0.0.1:PORT" or "[::1]:PORT".
std::string loopbackHostPort(Family family, uint16_t port);
std::string paramName(Cipher cipher, Family family);  // e.g. "Aes_IPv4"
// For GoogleTest's parameter printing.
void PrintTo(Cipher cipher, std::ostream* out);
void PrintTo(Family family, std::ostream* out);

// Arguments of a gnspeer echo server on the loopback address of `family`, port 0, that
// exits after `count` connections have closed (0 = only on SIGTERM or its --timeout).
std::vector<std::string> gnspeerEchoServerArgs(Cipher cipher, Family family, int count);
// Arguments of a gnspeer client of HOST:PORT `target`.
std::vector<std::string> gnspeerClientArgs(Cipher cipher, const std::string& target);

// "lane=L len=N sha256=H" of a gnspeer SENT/RECV event, and of bytes we hold. Sorted lists
// of these compare sent and echoed messages regardless of how lanes interleaved.
std::string digestKey(const GnspeerEvent& event);
std::string digestKey(int lane, std::span<const uint8_t> data);
std::vector<std::string> sortedDigestKeys(const std::vector<GnspeerEvent>& events);

// Predicates on gnspeer events.
GnspeerPredicate isKind(std::string kind);

}  // namespace opengns::interop
