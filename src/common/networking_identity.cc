// NetworkingIdentity: the identity kinds of crypto.md §1.1 and their text form (§1.2), the
// localhost identity (§1.3) and the SteamID validity checks (§1.4). The text form is WIRE:
// it is what travels in certificates and signals, so render/parse follow the spec exactly,
// including GNS's "%llu-like" number parsing. A value that would not parse back is refused
// by the setters that can see it.
#include <cstdlib>
#include <vector>

#include "opengns/types.h"

namespace opengns {
namespace {

// Text prefixes (crypto.md §1.2, WIRE). Lowercase, case-sensitive.
constexpr std::string_view kPrefixSteamID = "steamid:";
constexpr std::string_view kPrefixIPAddress = "ip:";
constexpr std::string_view kPrefixGenericString = "str:";
constexpr std::string_view kPrefixGenericBytes = "gen:";
constexpr std::string_view kPrefixXboxPairwiseID = "xboxpwid:";
constexpr std::string_view kPrefixSonyPSN = "psn:";
constexpr std::string_view kInvalidText = "invalid";
// An unknown kind's prefix: 1..16 chars of [a-z0-9_] then ':' (crypto.md §1.2).
constexpr size_t kMaxUnknownPrefixLength = 16;

// SteamID bit fields (crypto.md §1.4).
constexpr uint32_t steamAccountId(uint64_t id) {
  return static_cast<uint32_t>(id);
}
constexpr uint32_t steamInstance(uint64_t id) {
  return static_cast<uint32_t>(id >> 32) & 0xfffff;
}
constexpr uint32_t steamAccountType(uint64_t id) {
  return static_cast<uint32_t>(id >> 52) & 0xf;
}
constexpr uint32_t steamUniverse(uint64_t id) {
  return static_cast<uint32_t>(id >> 56);
}
constexpr uint32_t kAccountTypeIndividual = 1;
constexpr uint32_t kAccountTypeGameServer = 3;
constexpr uint32_t kAccountTypeAnonGameServer = 4;
constexpr uint32_t kAccountTypeClan = 7;
constexpr uint32_t kAccountTypeConsoleUser = 9;

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool hasNul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

// Like C's sscanf("%llu"): optional leading white space and sign, then at least one
// decimal digit; text after the digits is ignored; overflow saturates (crypto.md §1.2).
std::optional<uint64_t> parseU64LikeScanf(std::string_view text) {
  std::string copy(text);
  const char* begin = copy.c_str();
  char* end = nullptr;
  unsigned long long value = std::strtoull(begin, &end, 10);
  if (end == begin) return std::nullopt;
  return static_cast<uint64_t>(value);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isKnownPrefix(std::string_view text) {
  for (std::string_view prefix : {kPrefixSteamID, kPrefixIPAddress, kPrefixGenericString,
                                  kPrefixGenericBytes, kPrefixXboxPairwiseID, kPrefixSonyPSN}) {
    if (startsWith(text, prefix)) return true;
  }
  return false;
}

}  // namespace

bool steamIdValidForText(uint64_t steam_id) {
  uint32_t type = steamAccountType(steam_id);
  uint32_t universe = steamUniverse(steam_id);
  uint32_t account = steamAccountId(steam_id);
  uint32_t instance = steamInstance(steam_id);
  if (type < 1 || type > 10 || universe < 1 || universe > 4) return false;
  if (type == kAccountTypeIndividual) return account != 0 && instance == 1;
  if (type == kAccountTypeClan) return account != 0 && instance == 0;
  if (type == kAccountTypeGameServer) return account != 0;
  return true;
}

bool steamIdValidForIdentity(uint64_t steam_id) {
  uint32_t type = steamAccountType(steam_id);
  return steamAccountId(steam_id) != 0 &&
         (type == kAccountTypeIndividual || type == kAccountTypeConsoleUser ||
          type == kAccountTypeGameServer || type == kAccountTypeAnonGameServer);
}

NetworkingIdentity NetworkingIdentity::localHost() {
  NetworkingIdentity identity;
  identity.setIPAddr(NetworkingIPAddr::localHost(0));
  return identity;
}

std::optional<NetworkingIdentity> NetworkingIdentity::fromUint64Argument(uint64_t steam_id) {
  if (steam_id == 0) return localHost();
  if (!steamIdValidForText(steam_id) || !steamIdValidForIdentity(steam_id)) return std::nullopt;
  NetworkingIdentity identity;
  identity.setSteamID(steam_id);
  return identity;
}

std::optional<NetworkingIdentity> NetworkingIdentity::parse(std::string_view text) {
  NetworkingIdentity identity;
  if (text.empty() || text == kInvalidText) return std::nullopt;
  if (startsWith(text, kPrefixSteamID)) {
    std::optional<uint64_t> id = parseU64LikeScanf(text.substr(kPrefixSteamID.size()));
    if (!id || !steamIdValidForText(*id)) return std::nullopt;
    identity.setSteamID(*id);
    return identity;
  }
  if (startsWith(text, kPrefixXboxPairwiseID)) {
    if (!identity.setXboxPairwiseID(text.substr(kPrefixXboxPairwiseID.size()))) {
      return std::nullopt;
    }
    return identity;
  }
  if (startsWith(text, kPrefixSonyPSN)) {
    std::optional<uint64_t> id = parseU64LikeScanf(text.substr(kPrefixSonyPSN.size()));
    if (!id) return std::nullopt;
    identity.setPSNID(*id);
    return identity;
  }
  if (startsWith(text, kPrefixIPAddress)) {
    std::optional<NetworkingIPAddr> address =
        NetworkingIPAddr::parse(text.substr(kPrefixIPAddress.size()));
    if (!address) return std::nullopt;
    identity.setIPAddr(*address);
    return identity;
  }
  if (startsWith(text, kPrefixGenericString)) {
    if (!identity.setGenericString(text.substr(kPrefixGenericString.size()))) {
      return std::nullopt;
    }
    return identity;
  }
  if (startsWith(text, kPrefixGenericBytes)) {
    std::string_view hex = text.substr(kPrefixGenericBytes.size());
    if (hex.size() % 2 != 0) return std::nullopt;
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < hex.size(); i += 2) {
      int high = hexValue(hex[i]), low = hexValue(hex[i + 1]);
      if (high < 0 || low < 0) return std::nullopt;
      bytes.push_back(static_cast<uint8_t>(high * 16 + low));
    }
    if (!identity.setGenericBytes(bytes)) return std::nullopt;
    return identity;
  }
  if (!identity.setUnknownText(text)) return std::nullopt;
  return identity;
}

std::string NetworkingIdentity::toString() const {
  switch (type_) {
    case IdentityType::kInvalid:
      return std::string(kInvalidText);
    case IdentityType::kSteamID:
      return std::string(kPrefixSteamID) + std::to_string(id64_);
    case IdentityType::kSonyPSN:
      return std::string(kPrefixSonyPSN) + std::to_string(id64_);
    case IdentityType::kIPAddress:
      return std::string(kPrefixIPAddress) + address_.toString(true);
    case IdentityType::kGenericString:
      return std::string(kPrefixGenericString) + data_;
    case IdentityType::kXboxPairwiseID:
      return std::string(kPrefixXboxPairwiseID) + data_;
    case IdentityType::kGenericBytes: {
      static constexpr char kHexDigits[] = "0123456789abcdef";
      std::string out(kPrefixGenericBytes);
      for (char c : data_) {
        uint8_t b = static_cast<uint8_t>(c);
        out += kHexDigits[b >> 4];
        out += kHexDigits[b & 0xf];
      }
      return out;
    }
    case IdentityType::kUnknownType:
      return data_;
  }
  return std::string(kInvalidText);
}

bool NetworkingIdentity::isLocalHost() const {
  return type_ == IdentityType::kIPAddress && address_.isLocalHost();
}

void NetworkingIdentity::setSteamID(uint64_t steam_id) {
  clear();
  type_ = IdentityType::kSteamID;
  id64_ = steam_id;
}

void NetworkingIdentity::setIPAddr(const NetworkingIPAddr& address) {
  clear();
  type_ = IdentityType::kIPAddress;
  address_ = address;
}

bool NetworkingIdentity::setGenericString(std::string_view text) {
  // 1..31 bytes: the empty string is refused (crypto.md §8 O1).
  if (text.empty() || text.size() >= static_cast<size_t>(kMaxGenericStringIdentityLength) ||
      hasNul(text)) {
    return false;
  }
  clear();
  type_ = IdentityType::kGenericString;
  data_ = std::string(text);
  return true;
}

bool NetworkingIdentity::setGenericBytes(std::span<const uint8_t> bytes) {
  if (bytes.empty() || bytes.size() > static_cast<size_t>(kMaxGenericBytesIdentityLength)) {
    return false;
  }
  clear();
  type_ = IdentityType::kGenericBytes;
  data_.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return true;
}

bool NetworkingIdentity::setXboxPairwiseID(std::string_view id) {
  if (id.empty() || id.size() >= static_cast<size_t>(kMaxXboxPairwiseIdLength) || hasNul(id)) {
    return false;
  }
  clear();
  type_ = IdentityType::kXboxPairwiseID;
  data_ = std::string(id);
  return true;
}

void NetworkingIdentity::setPSNID(uint64_t psn_id) {
  clear();
  type_ = IdentityType::kSonyPSN;
  id64_ = psn_id;
}

bool NetworkingIdentity::setUnknownText(std::string_view text) {
  if (text.size() >= static_cast<size_t>(kMaxIdentityStringLength) || hasNul(text) ||
      isKnownPrefix(text)) {
    return false;
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > kMaxUnknownPrefixLength) {
    return false;
  }
  for (char c : text.substr(0, colon)) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!allowed) return false;
  }
  clear();
  type_ = IdentityType::kUnknownType;
  data_ = std::string(text);
  return true;
}

uint64_t NetworkingIdentity::steamID() const {
  return type_ == IdentityType::kSteamID ? id64_ : 0;
}

std::optional<NetworkingIPAddr> NetworkingIdentity::ipAddr() const {
  if (type_ != IdentityType::kIPAddress) return std::nullopt;
  return address_;
}

std::string_view NetworkingIdentity::genericString() const {
  return type_ == IdentityType::kGenericString ? std::string_view(data_) : std::string_view();
}

std::span<const uint8_t> NetworkingIdentity::genericBytes() const {
  if (type_ != IdentityType::kGenericBytes) return {};
  return {reinterpret_cast<const uint8_t*>(data_.data()), data_.size()};
}

std::string_view NetworkingIdentity::xboxPairwiseID() const {
  return type_ == IdentityType::kXboxPairwiseID ? std::string_view(data_) : std::string_view();
}

uint64_t NetworkingIdentity::psnID() const {
  return type_ == IdentityType::kSonyPSN ? id64_ : 0;
}

std::string_view NetworkingIdentity::unknownText() const {
  return type_ == IdentityType::kUnknownType ? std::string_view(data_) : std::string_view();
}

}  // namespace opengns
