// Decodes the datagrams of one captured session, in capture order, into PacketReports.
// It plays both receivers: per direction it expands packet numbers against the highest
// number seen so far (udp.md §4.4, starting at 1), opens chunks with the sender's keys
// from the key log (or passes them through under the NULL cipher), decodes the SNP
// frames against the receiver's lane state and reassembles the application messages.
//
// Without a key log the NULL cipher is assumed only when every crypt info seen in the
// handshake lists NULL alone; otherwise data packets are shown with headers only.
// Guarantees: never crashes or reads out of bounds on any input; every problem becomes
// an error string on the packet it belongs to, and decoding goes on with the next one.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "crypto/packet_crypto.h"
#include "key_log.h"
#include "packet_report.h"
#include "pcap_reader.h"
#include "session_endpoints.h"
#include "snp_receive_state.h"

namespace opengns::tools {

class SessionDecoder {
 public:
  // `key_log` may be null. Fails only if the logged keys cannot key a cipher.
  static absl::StatusOr<SessionDecoder> create(SessionEndpoints endpoints, const KeyLog* key_log);

  // Decodes the next datagram; `time_rel_sec` is its time since the first one.
  PacketReport decode(size_t index, double time_rel_sec, const CapturedDatagram& datagram);

  const SessionEndpoints& endpoints() const { return endpoints_; }

 private:
  struct DirectionState {
    uint64_t highest_received = 1;               // the handshake counts as packet 1 (udp.md §4.4)
    std::optional<crypto::PacketCipher> cipher;  // keyed to open this direction's chunks
    SnpReceiveState snp;
  };

  explicit SessionDecoder(SessionEndpoints endpoints) : endpoints_(std::move(endpoints)) {}

  DirectionState& state(Direction direction) {
    return direction == Direction::kClientToServer ? client_to_server_ : server_to_client_;
  }
  void decodeControl(PacketReport& report);
  void noteClientConnectionId(uint32_t connection_id);
  void noteCryptInfo(const wire::SessionCryptInfoSigned& signed_info);
  void decodeData(PacketReport& report);
  void openChunk(PacketReport& report, DirectionState& state, ByteSpan chunk);
  void decodeFrames(PacketReport& report, DirectionState& state, DirectionState& peer);
  std::string connectionOwner(uint32_t connection_id) const;

  SessionEndpoints endpoints_;
  DirectionState client_to_server_;
  DirectionState server_to_client_;
  std::optional<crypto::CipherId> key_log_cipher_;
  bool saw_crypt_info_ = false;
  bool crypt_info_only_null_ = true;
  std::optional<uint32_t> client_connection_id_;
  std::optional<uint32_t> server_connection_id_;
  // The client connection id of the key log, and whether the capture's handshake named
  // another one (then every decryption failure says the key log is not this session's).
  std::optional<uint32_t> key_log_client_connection_id_;
  bool foreign_key_log_ = false;
};

}  // namespace opengns::tools
