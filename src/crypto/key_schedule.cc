#include "crypto/key_schedule.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common/byte_writer.h"
#include "crypto/hmac_sha256.h"
#include "crypto/sha256.h"

namespace opengns::crypto {
namespace {

std::array<uint8_t, kKeyScheduleSaltBytes> buildSalt(const HandshakeTranscript& transcript) {
  // §4.3: server nonce first, each as a little-endian u64.
  std::array<uint8_t, kKeyScheduleSaltBytes> salt{};
  for (size_t i = 0; i < 8; ++i) {
    salt[i] = static_cast<uint8_t>(transcript.server.nonce >> (8 * i));
    salt[8 + i] = static_cast<uint8_t>(transcript.client.nonce >> (8 * i));
  }
  return salt;
}

AesGcmIv ivPrefix(const SecretArray<kSha256Bytes>& t) {
  AesGcmIv iv;
  std::memcpy(iv.data(), t.data(), iv.size());
  return iv;
}

}  // namespace

EndpointKeys endpointKeys(Role role, const SessionKeys& keys) {
  if (role == Role::kClient) {
    return {keys.key_client_to_server, keys.key_server_to_client, keys.iv_client_to_server,
            keys.iv_server_to_client};
  }
  return {keys.key_server_to_client, keys.key_client_to_server, keys.iv_server_to_client,
          keys.iv_client_to_server};
}

Bytes buildExpandInfo(const HandshakeTranscript& transcript) {
  Bytes info;
  info.reserve(8 + kExpandLabel.size() + transcript.server.cert_body.size() +
               transcript.client.cert_body.size() + transcript.server.crypt_info.size() +
               transcript.client.crypt_info.size());
  ByteWriter writer(info);
  // §4.4: connection ids client then server, but bodies server then client.
  writer.writeU32(transcript.client.connection_id);
  writer.writeU32(transcript.server.connection_id);
  writer.writeBytes(asBytes(kExpandLabel));
  writer.writeBytes(transcript.server.cert_body);
  writer.writeBytes(transcript.client.cert_body);
  writer.writeBytes(transcript.server.crypt_info);
  writer.writeBytes(transcript.client.crypt_info);
  return info;
}

absl::StatusOr<SessionKeys> deriveSessionKeys(const X25519SharedSecret& raw_shared_secret,
                                              const HandshakeTranscript& transcript,
                                              KeyScheduleTrace* trace) {
  KeyScheduleTrace local;
  KeyScheduleTrace& out = trace != nullptr ? *trace : local;

  // §4.2 premaster.
  absl::StatusOr<Sha256Digest> premaster = sha256(raw_shared_secret.span());
  if (!premaster.ok()) return premaster.status();
  out.premaster = SecretArray<kSha256Bytes>(std::span<const uint8_t, kSha256Bytes>(*premaster));
  OPENSSL_cleanse(premaster->data(), premaster->size());

  // §4.3 extract, with the premaster as the HMAC key and the salt as the message.
  out.salt = buildSalt(transcript);
  absl::StatusOr<HmacSha256Tag> prk = hmacSha256(out.premaster.span(), {out.salt});
  if (!prk.ok()) return prk.status();
  out.prk = *prk;

  // §4.4 expand: RFC 5869 expand, four rounds.
  out.expand_info = buildExpandInfo(transcript);
  ByteSpan previous;  // T0 is empty
  for (int n = 1; n <= kExpandRounds; ++n) {
    const uint8_t counter = static_cast<uint8_t>(n);
    absl::StatusOr<HmacSha256Tag> tn =
        hmacSha256(out.prk.span(), {previous, out.expand_info, ByteSpan(&counter, 1)});
    if (!tn.ok()) return tn.status();
    out.t[n - 1] = *tn;
    previous = out.t[n - 1].span();
  }

  SessionKeys keys;
  keys.key_client_to_server = out.t[0];
  keys.key_server_to_client = out.t[1];
  keys.iv_client_to_server = ivPrefix(out.t[2]);
  keys.iv_server_to_client = ivPrefix(out.t[3]);
  return keys;
}

absl::StatusOr<EndpointKeys> deriveEndpointKeys(Role role, const X25519KeyPair& own_key,
                                                ByteSpan peer_public_key,
                                                const HandshakeTranscript& transcript,
                                                KeyScheduleTrace* trace) {
  absl::StatusOr<X25519SharedSecret> raw = own_key.sharedSecret(peer_public_key);
  if (!raw.ok()) return raw.status();
  absl::StatusOr<SessionKeys> keys = deriveSessionKeys(*raw, transcript, trace);
  if (!keys.ok()) return keys.status();
  return endpointKeys(role, *keys);
}

}  // namespace opengns::crypto
