#include "crypto/packet_crypto.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace opengns::crypto {

AesGcmIv packetNonce(const AesGcmIv& base_iv, uint64_t packet_number) {
  uint64_t counter = 0;
  for (size_t i = 0; i < kNonceCounterBytes; ++i)
    counter |= static_cast<uint64_t>(base_iv[i]) << (8 * i);
  counter += packet_number;  // unsigned: wraps mod 2^64 as §5.3 requires
  AesGcmIv nonce = base_iv;
  for (size_t i = 0; i < kNonceCounterBytes; ++i)
    nonce[i] = static_cast<uint8_t>(counter >> (8 * i));
  return nonce;
}

PacketCipher::PacketCipher(CipherId cipher, std::optional<AesGcmEncryptor> encryptor,
                           std::optional<AesGcmDecryptor> decryptor, const EndpointKeys& keys)
    : cipher_(cipher),
      encryptor_(std::move(encryptor)),
      decryptor_(std::move(decryptor)),
      send_iv_(keys.send_iv),
      recv_iv_(keys.recv_iv) {}

absl::StatusOr<PacketCipher> PacketCipher::create(CipherId cipher, const EndpointKeys& keys) {
  switch (cipher) {
    case CipherId::kNull:
      return PacketCipher(cipher, std::nullopt, std::nullopt, keys);
    case CipherId::kAes256Gcm: {
      absl::StatusOr<AesGcmEncryptor> encryptor = AesGcmEncryptor::create(keys.send_key.span());
      if (!encryptor.ok()) return encryptor.status();
      absl::StatusOr<AesGcmDecryptor> decryptor = AesGcmDecryptor::create(keys.recv_key.span());
      if (!decryptor.ok()) return decryptor.status();
      return PacketCipher(cipher, *std::move(encryptor), *std::move(decryptor), keys);
    }
    case CipherId::kInvalid:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("packet cipher: unsupported cipher id ", static_cast<uint32_t>(cipher)));
}

size_t PacketCipher::overheadBytes() const {
  return cipher_ == CipherId::kAes256Gcm ? kAesGcmTagBytes : 0;
}

absl::StatusOr<size_t> PacketCipher::encryptChunk(uint64_t packet_number, ByteSpan plaintext,
                                                  MutableByteSpan out) {
  if (cipher_ == CipherId::kNull) {
    if (out.size() < plaintext.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("packet cipher (NULL) encrypt: output buffer of ", out.size(),
                       " bytes, need ", plaintext.size()));
    }
    if (!plaintext.empty() && out.data() != plaintext.data()) {
      std::memmove(out.data(), plaintext.data(), plaintext.size());
    }
    return plaintext.size();
  }
  const AesGcmIv nonce = packetNonce(send_iv_, packet_number);
  return encryptor_->encrypt(nonce, plaintext, {}, out);  // §5.2: no AAD
}

absl::StatusOr<ByteSpan> PacketCipher::decryptChunk(uint64_t packet_number, ByteSpan chunk,
                                                    MutableByteSpan out) {
  if (cipher_ == CipherId::kNull) return chunk;
  const AesGcmIv nonce = packetNonce(recv_iv_, packet_number);
  absl::StatusOr<size_t> len = decryptor_->decrypt(nonce, chunk, {}, out);
  if (!len.ok()) {
    return absl::Status(len.status().code(),
                        absl::StrCat("packet ", packet_number, ": ", len.status().message()));
  }
  return ByteSpan(out.data(), *len);
}

}  // namespace opengns::crypto
