// Per-packet protection of data-packet chunks (crypto.md §5): the nonce rule (§5.3)
// and a per-connection PacketCipher that seals outgoing chunks and opens incoming
// ones with the negotiated cipher: AES-256-GCM with the tag appended and no AAD
// (§5.2), or the NULL cipher, which passes the chunk through unchanged (§5.5).
//
// The chunk is everything after the data header and its optional fields; locating it
// is the UDP layer's job. The packet number given here is the full 64-bit number
// (already expanded from the 16-bit wire value, §5.4 step 2).
//
// Hot path: no allocation per packet; the AES contexts are keyed once at creation.
// A failed open is a Status (a forged or corrupt packet must be dropped silently by
// the caller, §5.4 step 4), never a crash. Threading: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "crypto/aes_gcm.h"
#include "crypto/crypto_constants.h"
#include "crypto/key_schedule.h"

namespace opengns::crypto {

// §5.3: IV bytes 0..7 read as a little-endian u64, plus the packet number mod 2^64,
// written back little-endian; bytes 8..11 unchanged. The base IV is not modified.
AesGcmIv packetNonce(const AesGcmIv& base_iv, uint64_t packet_number);

class PacketCipher {
 public:
  // `cipher` is the negotiated one (kNull or kAes256Gcm); `keys` are this endpoint's.
  // Under NULL the keys are ignored (they still exist: §3.6 derives them anyway).
  static absl::StatusOr<PacketCipher> create(CipherId cipher, const EndpointKeys& keys);

  CipherId cipher() const { return cipher_; }
  // Bytes a sealed chunk adds to its plaintext: 16 for AES-GCM, 0 for NULL (§5.5).
  size_t overheadBytes() const;

  // Seals `plaintext` for packet `packet_number` into the front of `out` (which needs
  // plaintext.size() + overheadBytes() bytes) and returns the chunk length.
  // `out` may be exactly the plaintext buffer, or must not overlap it.
  absl::StatusOr<size_t> encryptChunk(uint64_t packet_number, ByteSpan plaintext,
                                      MutableByteSpan out);

  // Opens a received chunk. For AES-GCM the plaintext is written to the front of
  // `out` (chunk.size() - 16 bytes needed; in-place allowed) and the returned span
  // points into `out`. For NULL the chunk itself is returned and `out` is untouched.
  // Errors: chunk shorter than a tag, output too small, or authentication failure.
  absl::StatusOr<ByteSpan> decryptChunk(uint64_t packet_number, ByteSpan chunk,
                                        MutableByteSpan out);

 private:
  PacketCipher(CipherId cipher, std::optional<AesGcmEncryptor> encryptor,
               std::optional<AesGcmDecryptor> decryptor, const EndpointKeys& keys);

  CipherId cipher_;
  std::optional<AesGcmEncryptor> encryptor_;  // keyed with send_key (AES only)
  std::optional<AesGcmDecryptor> decryptor_;  // keyed with recv_key (AES only)
  AesGcmIv send_iv_;
  AesGcmIv recv_iv_;
};

}  // namespace opengns::crypto
