// Description string and info flags (see connection_description.h).
#include "connection/connection_description.h"

#include "absl/strings/str_cat.h"
#include "connection/connection_state.h"

namespace opengns::connection {

std::string describeUdpConnection(uint32_t local_connection_id, const NetworkingIdentity& peer,
                                  const PeerAddress& address, std::string_view app_name) {
  const std::string addr = address.toString(true);
  std::string text = absl::StrCat("#", local_connection_id, " UDP ");
  const std::optional<NetworkingIPAddr> peer_ip = peer.ipAddr();
  if ((peer_ip && *peer_ip == address) || peer.isLocalHost()) {
    absl::StrAppend(&text, addr);
  } else {
    absl::StrAppend(&text, peer.toString(), "@", addr);
  }
  if (!app_name.empty()) {
    absl::StrAppend(&text, " '", absl::string_view(app_name.data(), app_name.size()), "'");
  }
  if (text.size() > kMaxDescriptionBytes) text.resize(kMaxDescriptionBytes);
  return text;
}

int udpConnectionInfoFlags(bool peer_authenticated, bool cipher_negotiated, bool null_cipher,
                           const PeerAddress& address) {
  int flags = 0;
  if (!peer_authenticated) flags |= kConnectionInfoFlagUnauthenticated;
  if (!cipher_negotiated || null_cipher) flags |= kConnectionInfoFlagUnencrypted;
  if (isLoopbackAddress(address)) flags |= kConnectionInfoFlagFast;
  return flags;
}

}  // namespace opengns::connection
