// Cipher negotiation (crypto.md §3.5, §3.6).
#include "connection/cipher_negotiation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;

bool contains(const std::vector<CipherId>& list, CipherId cipher) {
  return std::find(list.begin(), list.end(), cipher) != list.end();
}

std::string listText(const std::vector<CipherId>& list) {
  std::string text = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    absl::StrAppend(&text, i ? "," : "", static_cast<uint32_t>(list[i]));
  }
  return text + "]";
}

}  // namespace

std::vector<CipherId> cipherListForUnencrypted(int unencrypted) {
  switch (unencrypted) {
    case kUnencryptedAllowed:
      return {CipherId::kAes256Gcm, CipherId::kNull};
    case kUnencryptedPreferred:
      return {CipherId::kNull, CipherId::kAes256Gcm};
    case kUnencryptedRequired:
      return {CipherId::kNull};
    default:
      return {CipherId::kAes256Gcm};
  }
}

HandshakeOr<CipherId> chooseCipherAsServer(const std::vector<CipherId>& server_list,
                                           const std::vector<CipherId>& client_list) {
  // §3.6: a legacy client sending no list means AES-256-GCM.
  const std::vector<CipherId> offered =
      client_list.empty() ? std::vector<CipherId>{CipherId::kAes256Gcm} : client_list;
  for (CipherId cipher : server_list) {
    if (contains(offered, cipher)) return cipher;
  }
  return handshakeFail(ConnectionEnd::kRemoteBadCrypt,
                       absl::StrCat("failed to negotiate a cipher: ours ", listText(server_list),
                                    ", peer offers ", listText(offered)));
}

HandshakeOr<CipherId> checkServerCipher(const std::vector<CipherId>& client_list,
                                        const std::vector<CipherId>& server_list) {
  if (server_list.size() != 1) {
    return handshakeFail(
        ConnectionEnd::kRemoteBadCrypt,
        absl::StrCat("server must choose exactly one cipher, sent ", listText(server_list)));
  }
  if (!contains(client_list, server_list[0])) {
    return handshakeFail(ConnectionEnd::kRemoteBadCrypt,
                         absl::StrCat("server chose cipher ", static_cast<uint32_t>(server_list[0]),
                                      ", not in ours ", listText(client_list)));
  }
  return server_list[0];
}

}  // namespace opengns::connection
