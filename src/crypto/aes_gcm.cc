#include "crypto/aes_gcm.h"

#include <openssl/crypto.h>

#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace opengns::crypto {
namespace {

// EVP takes int lengths; anything near that is far beyond any packet anyway.
constexpr size_t kMaxInputBytes = static_cast<size_t>(INT_MAX) - kAesGcmTagBytes;

enum class Mode { kEncrypt = 1, kDecrypt = 0 };

absl::StatusOr<EvpCipherCtxPtr> newKeyedContext(ByteSpan key, Mode mode) {
  if (key.size() != kAes256KeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("aes-256-gcm: key is ", key.size(), " bytes, expected ", kAes256KeyBytes));
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return opensslError("aes-256-gcm: EVP_CIPHER_CTX_new");
  // The default GCM IV length is 12 bytes (crypto.md §5.2), so only the key is set
  // here; the IV comes with each packet.
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr,
                        static_cast<int>(mode)) != 1) {
    return opensslError("aes-256-gcm: EVP_CipherInit_ex(key)");
  }
  if (EVP_CIPHER_CTX_get_iv_length(ctx.get()) != static_cast<int>(kAesGcmIvBytes)) {
    return absl::InternalError("aes-256-gcm: OpenSSL's default IV length is not 12");
  }
  return ctx;
}

absl::Status feedAad(EVP_CIPHER_CTX* ctx, ByteSpan aad, Mode mode) {
  if (aad.empty()) return absl::OkStatus();
  int len = 0;
  int rc = mode == Mode::kEncrypt
               ? EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()))
               : EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
  if (rc != 1) return opensslError("aes-256-gcm: AAD update");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AesGcmEncryptor> AesGcmEncryptor::create(ByteSpan key) {
  absl::StatusOr<EvpCipherCtxPtr> ctx = newKeyedContext(key, Mode::kEncrypt);
  if (!ctx.ok()) return ctx.status();
  return AesGcmEncryptor(*std::move(ctx));
}

absl::StatusOr<size_t> AesGcmEncryptor::encrypt(AesGcmIvSpan iv, ByteSpan plaintext, ByteSpan aad,
                                                MutableByteSpan out) {
  if (plaintext.size() > kMaxInputBytes || aad.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("aes-256-gcm encrypt: input of ", plaintext.size(), " bytes is too large"));
  }
  const size_t sealed_len = plaintext.size() + kAesGcmTagBytes;
  if (out.size() < sealed_len) {
    return absl::InvalidArgumentError(absl::StrCat("aes-256-gcm encrypt: output buffer of ",
                                                   out.size(), " bytes, need ", sealed_len));
  }
  // Null cipher and key: keep the expanded key, change only the IV.
  if (EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) != 1) {
    return opensslError("aes-256-gcm encrypt: set IV");
  }
  if (absl::Status s = feedAad(ctx_.get(), aad, Mode::kEncrypt); !s.ok()) return s;
  int len = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx_.get(), out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1 ||
        static_cast<size_t>(len) != plaintext.size()) {
      return opensslError("aes-256-gcm encrypt: EVP_EncryptUpdate");
    }
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx_.get(), out.data() + plaintext.size(), &final_len) != 1 ||
      final_len != 0) {
    return opensslError("aes-256-gcm encrypt: EVP_EncryptFinal_ex");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes),
                          out.data() + plaintext.size()) != 1) {
    return opensslError("aes-256-gcm encrypt: get tag");
  }
  return sealed_len;
}

absl::StatusOr<AesGcmDecryptor> AesGcmDecryptor::create(ByteSpan key) {
  absl::StatusOr<EvpCipherCtxPtr> ctx = newKeyedContext(key, Mode::kDecrypt);
  if (!ctx.ok()) return ctx.status();
  return AesGcmDecryptor(*std::move(ctx));
}

absl::StatusOr<size_t> AesGcmDecryptor::decrypt(AesGcmIvSpan iv, ByteSpan sealed, ByteSpan aad,
                                                MutableByteSpan out) {
  if (sealed.size() < kAesGcmTagBytes) {
    return absl::InvalidArgumentError(absl::StrCat("aes-256-gcm decrypt: input of ", sealed.size(),
                                                   " bytes is shorter than the ", kAesGcmTagBytes,
                                                   "-byte tag"));
  }
  if (sealed.size() > kMaxInputBytes || aad.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("aes-256-gcm decrypt: input of ", sealed.size(), " bytes is too large"));
  }
  const size_t plaintext_len = sealed.size() - kAesGcmTagBytes;
  if (out.size() < plaintext_len) {
    return absl::InvalidArgumentError(absl::StrCat("aes-256-gcm decrypt: output buffer of ",
                                                   out.size(), " bytes, need ", plaintext_len));
  }
  // Copy the tag first: with in-place decryption it must survive the writes to `out`
  // (it does, as it lies after the ciphertext, but the copy also gives OpenSSL the
  // non-const pointer its ctrl interface wants).
  uint8_t tag[kAesGcmTagBytes];
  std::memcpy(tag, sealed.data() + plaintext_len, kAesGcmTagBytes);

  if (EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) != 1) {
    return opensslError("aes-256-gcm decrypt: set IV");
  }
  if (absl::Status s = feedAad(ctx_.get(), aad, Mode::kDecrypt); !s.ok()) return s;
  int len = 0;
  if (plaintext_len > 0) {
    if (EVP_DecryptUpdate(ctx_.get(), out.data(), &len, sealed.data(),
                          static_cast<int>(plaintext_len)) != 1 ||
        static_cast<size_t>(len) != plaintext_len) {
      OPENSSL_cleanse(out.data(), plaintext_len);
      return opensslError("aes-256-gcm decrypt: EVP_DecryptUpdate");
    }
  }
  if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagBytes),
                          tag) != 1) {
    OPENSSL_cleanse(out.data(), plaintext_len);
    return opensslError("aes-256-gcm decrypt: set tag");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx_.get(), out.data() + plaintext_len, &final_len) != 1) {
    // Forged, corrupted, or wrong key/nonce: an expected event on a network, so it is
    // not an OpenSSL malfunction and leaves no queued error behind.
    clearOpensslErrors();
    OPENSSL_cleanse(out.data(), plaintext_len);
    return absl::UnauthenticatedError(
        absl::StrCat("aes-256-gcm decrypt: tag mismatch on ", sealed.size(), "-byte chunk"));
  }
  return plaintext_len;
}

}  // namespace opengns::crypto
