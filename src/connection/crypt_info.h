// Session crypt info (crypto.md §3.1-3.4): our signed SessionCryptInfo (X25519 public key,
// 64-bit nonce, protocol version 13, cipher list) and the checks on a peer's.
//
// Guarantees:
//  - Ours is serialized in field-number order (key_type, key_data, nonce, version,
//    ciphers unpacked), byte-identical to GNS's for the same values (49 bytes with one
//    cipher), signed with the cert key over exactly those bytes, and never regenerated:
//    every (re)sent Connect message carries the same bytes (§3.7).
//  - A peer's is verified on the raw `info` bytes received (never re-serialized): the
//    signature with the peer cert's Ed25519 key (cert key_type must be 1), then the parse,
//    then protocol_version >= 8. Failures carry their end reason: 4002 Remote_BadCrypt
//    for key/signature/parse problems, 4006 Remote_BadProtocolVersion for the version.
//  - The key-exchange pre-check of §4.1 (key_type 1, 32-byte key) is separate, because
//    GNS runs it only when keys are derived (server: at accept time; crypto.md §3.6).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "connection/handshake_error.h"
#include "connection/local_credentials.h"
#include "crypto/crypto_constants.h"
#include "crypto/x25519.h"
#include "opengns_crypto.pb.h"

namespace opengns::connection {

// crypto.md §3.1 field 1: the only key-exchange key type.
inline constexpr uint32_t kKeyExchangeKeyTypeCurve25519 = 1;
// crypto.md §2.1 field 1: the only certificate key type.
inline constexpr uint32_t kCertKeyTypeEd25519 = 1;

// The fields of a SessionCryptInfo as values. Absent fields read as 0 / empty.
struct CryptInfoFields {
  uint32_t key_type = 0;
  Bytes key_data;
  uint64_t nonce = 0;
  uint32_t protocol_version = 0;
  std::vector<crypto::CipherId> ciphers;
};

// Serializes all five fields (ciphers unpacked, in the given order).
Bytes serializeCryptInfo(const CryptInfoFields& fields);

// This endpoint's crypt info for one connection: its ephemeral X25519 key pair, nonce,
// cipher list and the signed wrapper that travels in ConnectRequest/ConnectOK field 7.
class LocalCryptInfo {
 public:
  // Fresh key pair and nonce, protocol version 13, signed by `signer`.
  static absl::StatusOr<LocalCryptInfo> create(const LocalCredentials& signer,
                                               std::vector<crypto::CipherId> ciphers);
  // With a given key pair and nonce (tests, or a key made earlier).
  static absl::StatusOr<LocalCryptInfo> fromParts(crypto::X25519KeyPair key, uint64_t nonce,
                                                  std::vector<crypto::CipherId> ciphers,
                                                  const LocalCredentials& signer);

  const crypto::X25519KeyPair& keyPair() const { return key_; }
  uint64_t nonce() const { return nonce_; }
  const std::vector<crypto::CipherId>& ciphers() const { return ciphers_; }
  const wire::SessionCryptInfoSigned& signedInfo() const { return signed_; }
  // The `info` bytes: key-schedule input crypt_c / crypt_s (§4.1).
  ByteSpan infoBytes() const { return asBytes(signed_.info()); }

 private:
  LocalCryptInfo(crypto::X25519KeyPair key, uint64_t nonce, std::vector<crypto::CipherId> ciphers,
                 wire::SessionCryptInfoSigned signed_info)
      : key_(std::move(key)),
        nonce_(nonce),
        ciphers_(std::move(ciphers)),
        signed_(std::move(signed_info)) {}

  crypto::X25519KeyPair key_;
  uint64_t nonce_;
  std::vector<crypto::CipherId> ciphers_;
  wire::SessionCryptInfoSigned signed_;
};

// A peer's crypt info after verifyPeerCryptInfo: the parsed fields plus the exact `info`
// bytes received (key-schedule input).
struct PeerCryptInfo {
  CryptInfoFields fields;
  Bytes info_bytes;
};

// §3.3-3.4: signature over `info` with the key of `peer_cert` (4002), parse (4002),
// protocol_version >= 8 (4006).
HandshakeOr<PeerCryptInfo> verifyPeerCryptInfo(const wire::SessionCryptInfoSigned& signed_info,
                                               const wire::Certificate& peer_cert);

// §4.1 pre-check before key derivation: key_type 1 and a 32-byte key, else 4002.
HandshakeCheck checkKeyExchangeKey(const PeerCryptInfo& peer);

}  // namespace opengns::connection
