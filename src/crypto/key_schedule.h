// The session key schedule of crypto.md §4: from the X25519 shared secret and the
// handshake transcript (both nonces, both connection ids, both cert bodies, both
// crypt-info bodies) to the AES-256-GCM keys and base IVs of both directions.
//
//   premaster = SHA-256(X25519 raw)                                         §4.2
//   prk       = HMAC-SHA256(key = premaster, msg = LE64(nonce_s) ‖ LE64(nonce_c))  §4.3
//   info      = LE32(cid_c) ‖ LE32(cid_s) ‖ "Steam datagram" ‖ cert_s ‖ cert_c
//               ‖ crypt_s ‖ crypt_c                                         §4.4
//   Tn        = HMAC-SHA256(prk, T(n-1) ‖ info ‖ byte(n)), n = 1..4
//   T1 = key c→s, T2 = key s→c, T3[0..12) = IV c→s, T4[0..12) = IV s→c
//
// Note the extract step is RFC 5869's with key and message swapped: a stock HKDF
// gives the wrong PRK. The cert and crypt-info inputs are the *bodies* (the bytes of
// CertificateSigned.cert and SessionCryptInfoSigned.info exactly as sent/received),
// never the signed wrappers and never re-serialized (§4.1 warning box).
#pragma once

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/crypto_constants.h"
#include "crypto/secret_array.h"
#include "crypto/x25519.h"

namespace opengns::crypto {

// Which handshake role this endpoint played (§4.1: over P2P the initiator is the
// client and the acceptor the server).
enum class Role { kClient, kServer };

using AesKey = SecretArray<kAes256KeyBytes>;
using AesGcmIv = std::array<uint8_t, kAesGcmIvBytes>;

// One side's contribution to the handshake. The spans borrow the caller's buffers
// for the duration of the derive call only.
struct HandshakeSide {
  uint32_t connection_id = 0;
  uint64_t nonce = 0;   // SessionCryptInfo field 3
  ByteSpan cert_body;   // CertificateSigned.cert bytes (serialized Certificate)
  ByteSpan crypt_info;  // SessionCryptInfoSigned.info bytes (serialized SessionCryptInfo)
};

struct HandshakeTranscript {
  HandshakeSide client;
  HandshakeSide server;
};

// Maps this endpoint's local/remote view onto client/server.
inline HandshakeTranscript transcriptFor(Role role, const HandshakeSide& local,
                                         const HandshakeSide& remote) {
  return role == Role::kClient ? HandshakeTranscript{local, remote}
                               : HandshakeTranscript{remote, local};
}

// The schedule's outputs by direction.
struct SessionKeys {
  AesKey key_client_to_server;   // T1
  AesKey key_server_to_client;   // T2
  AesGcmIv iv_client_to_server;  // T3[0..12)
  AesGcmIv iv_server_to_client;  // T4[0..12)
};

// The same keys from one endpoint's point of view (what a connection holds).
struct EndpointKeys {
  AesKey send_key;
  AesKey recv_key;
  AesGcmIv send_iv;
  AesGcmIv recv_iv;
};

EndpointKeys endpointKeys(Role role, const SessionKeys& keys);

// Every intermediate value, for tests and key logs. Secrets wipe themselves.
struct KeyScheduleTrace {
  SecretArray<kSha256Bytes> premaster;
  std::array<uint8_t, kKeyScheduleSaltBytes> salt{};
  SecretArray<kSha256Bytes> prk;
  Bytes expand_info;
  std::array<SecretArray<kSha256Bytes>, kExpandRounds> t;  // T1..T4, full 32 bytes each
};

// Builds the §4.4 expand info (public data; 256 bytes in every captured session).
Bytes buildExpandInfo(const HandshakeTranscript& transcript);

// The whole schedule from the raw X25519 output. Fills `trace` if given.
absl::StatusOr<SessionKeys> deriveSessionKeys(const X25519SharedSecret& raw_shared_secret,
                                              const HandshakeTranscript& transcript,
                                              KeyScheduleTrace* trace = nullptr);

// X25519 with the peer's public key, then the schedule; the result is from this
// endpoint's point of view. Fails on a bad or low-order peer key (end reason 4002
// upstream, §4.1/§4.2).
absl::StatusOr<EndpointKeys> deriveEndpointKeys(Role role, const X25519KeyPair& own_key,
                                                ByteSpan peer_public_key,
                                                const HandshakeTranscript& transcript,
                                                KeyScheduleTrace* trace = nullptr);

}  // namespace opengns::crypto
