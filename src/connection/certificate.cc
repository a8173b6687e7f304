// Key ids, CA signatures and the text forms of certificates (see certificate.h).
#include "connection/certificate.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/sha256.h"

namespace opengns::connection {
namespace {

// §6.4: the OpenSSH key type of an Ed25519 key.
constexpr std::string_view kSshEd25519 = "ssh-ed25519";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

absl::string_view av(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

bool isSpaceOrTab(char c) {
  return c == ' ' || c == '\t';
}
bool isWhite(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// One header or footer line of §6.4 starting at `pos` (leading white space allowed):
// dashes, BEGIN/END, the type, dashes. Returns the position after it.
absl::StatusOr<size_t> parsePemMarker(std::string_view text, size_t pos, std::string_view word,
                                      std::string_view type) {
  while (pos < text.size() && isWhite(text[pos]))
    ++pos;
  if (pos >= text.size() || text[pos] != '-') {
    return absl::InvalidArgumentError(absl::StrCat("cert text: no '-----", av(word), "' line"));
  }
  while (pos < text.size() && text[pos] == '-')
    ++pos;
  while (pos < text.size() && isSpaceOrTab(text[pos]))
    ++pos;
  if (!startsWithNoCase(text.substr(pos), word)) {
    return absl::InvalidArgumentError(absl::StrCat("cert text: expected ", av(word)));
  }
  pos += word.size();
  while (pos < text.size() && isSpaceOrTab(text[pos]))
    ++pos;
  if (!startsWithNoCase(text.substr(pos), type)) {
    return absl::InvalidArgumentError(absl::StrCat("cert text: block type is not ", av(type)));
  }
  while (pos < text.size() && text[pos] != '-') {
    if (text[pos] == '\n' || text[pos] == '\r') {
      return absl::InvalidArgumentError(
          absl::StrCat("cert text: ", av(word), " line has no '-----'"));
    }
    ++pos;
  }
  while (pos < text.size() && (text[pos] == '-' || isWhite(text[pos])))
    ++pos;
  return pos;
}

void appendSshString(std::string* out, std::string_view value) {
  const uint32_t n = static_cast<uint32_t>(value.size());
  out->push_back(static_cast<char>(n >> 24));
  out->push_back(static_cast<char>(n >> 16));
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n));
  out->append(value);
}

std::optional<std::string_view> readSshString(std::string_view* blob) {
  if (blob->size() < 4) return std::nullopt;
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>((*blob)[i])); };
  const uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (blob->size() - 4 < n) return std::nullopt;
  std::string_view value = blob->substr(4, n);
  blob->remove_prefix(4 + n);
  return value;
}

}  // namespace

uint64_t keyIdOf(ByteSpan ed25519_public_key) {
  if (ed25519_public_key.size() != crypto::kEd25519PublicKeyBytes) return 0;
  absl::StatusOr<crypto::Sha256Digest> digest = crypto::sha256(ed25519_public_key);
  if (!digest.ok()) return 0;
  uint64_t id = 0;
  for (int i = 7; i >= 0; --i)
    id = (id << 8) | (*digest)[static_cast<size_t>(i)];
  return id;
}

absl::StatusOr<wire::Certificate> parseCertificateBody(const wire::CertificateSigned& signed_cert) {
  wire::Certificate body;
  if (!signed_cert.has_cert()) return absl::InvalidArgumentError("certificate: no body (field 4)");
  if (!body.ParseFromString(signed_cert.cert())) {
    return absl::InvalidArgumentError("certificate: body does not parse");
  }
  return body;
}

absl::StatusOr<wire::CertificateSigned> signCertificate(const wire::Certificate& body,
                                                        const crypto::Ed25519KeyPair& ca_key) {
  std::string bytes;
  if (!body.SerializeToString(&bytes)) return absl::InternalError("certificate: serialize failed");
  absl::StatusOr<crypto::Ed25519Signature> signature = ca_key.sign(asBytes(bytes));
  if (!signature.ok()) return signature.status();
  wire::CertificateSigned signed_cert;
  signed_cert.set_cert(std::move(bytes));
  signed_cert.set_ca_key_id(keyIdOf(ca_key.publicKey()));
  signed_cert.set_ca_signature(std::string(signature->begin(), signature->end()));
  return signed_cert;
}

absl::Status verifyCaSignature(const wire::CertificateSigned& signed_cert, ByteSpan ca_public_key) {
  if (!signed_cert.has_ca_signature() || signed_cert.ca_signature().empty()) {
    return absl::InvalidArgumentError("certificate is not signed by a CA");
  }
  if (signed_cert.ca_signature().size() != crypto::kEd25519SignatureBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("CA signature is ", signed_cert.ca_signature().size(), " bytes, want 64"));
  }
  if (signed_cert.ca_key_id() != keyIdOf(ca_public_key)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "certificate names CA key id ", signed_cert.ca_key_id(), ", not ", keyIdOf(ca_public_key)));
  }
  if (absl::Status s = crypto::ed25519Verify(ca_public_key, asBytes(signed_cert.cert()),
                                             asBytes(signed_cert.ca_signature()));
      !s.ok()) {
    return absl::InvalidArgumentError("CA signature does not verify over the certificate bytes");
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::Ed25519PublicKey> certificatePublicKey(const wire::Certificate& body) {
  if (body.key_type() != wire::CERT_KEY_TYPE_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate key_type ", body.key_type(), ", want 1 (Ed25519)"));
  }
  if (body.key_data().size() != crypto::kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate key_data is ", body.key_data().size(), " bytes, want 32"));
  }
  crypto::Ed25519PublicKey key;
  std::copy(body.key_data().begin(), body.key_data().end(), key.begin());
  return key;
}

IdScope scopeOf(const google::protobuf::RepeatedField<uint32_t>& ids) {
  if (ids.empty()) return std::nullopt;
  std::vector<uint32_t> list(ids.begin(), ids.end());
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return list;
}

IdScope intersectScopes(const IdScope& a, const IdScope& b) {
  if (!a) return b;
  if (!b) return a;
  std::vector<uint32_t> both;
  for (uint32_t id : *a) {
    if (std::find(b->begin(), b->end(), id) != b->end()) both.push_back(id);
  }
  return both;
}

bool scopeAllows(const IdScope& scope, uint32_t id) {
  return !scope || std::find(scope->begin(), scope->end(), id) != scope->end();
}

std::string base64Encode(ByteSpan data) {
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

absl::StatusOr<Bytes> base64Decode(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (isWhite(c)) continue;
    if (c != '=' && kBase64Alphabet.find(c) == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("base64: unexpected character 0x", absl::Hex(static_cast<uint8_t>(c))));
    }
    compact.push_back(c);
  }
  std::string decoded;
  if (!absl::Base64Unescape(compact, &decoded)) {
    return absl::InvalidArgumentError("base64: malformed (length or padding)");
  }
  return Bytes(decoded.begin(), decoded.end());
}

std::string certificateToPem(const wire::CertificateSigned& signed_cert) {
  std::string bytes;
  signed_cert.SerializeToString(&bytes);
  const std::string body = base64Encode(asBytes(bytes));
  std::string out = absl::StrCat("-----BEGIN ", av(kCertificatePemType), "-----\n");
  for (size_t pos = 0; pos < body.size(); pos += kPemLineLength) {
    absl::StrAppend(&out, absl::string_view(body).substr(pos, kPemLineLength), "\n");
  }
  absl::StrAppend(&out, "-----END ", av(kCertificatePemType), "-----\n");
  return out;
}

absl::StatusOr<wire::CertificateSigned> certificateFromPem(std::string_view text) {
  absl::StatusOr<size_t> body_start = parsePemMarker(text, 0, "BEGIN", kCertificatePemType);
  if (!body_start.ok()) return body_start.status();
  const size_t body_end = std::min(text.find('-', *body_start), text.size());
  if (body_end >= text.size()) return absl::InvalidArgumentError("cert text: no END line");
  absl::StatusOr<size_t> footer = parsePemMarker(text, body_end, "END", kCertificatePemType);
  if (!footer.ok()) return footer.status();
  absl::StatusOr<Bytes> bytes = base64Decode(text.substr(*body_start, body_end - *body_start));
  if (!bytes.ok()) return bytes.status();
  wire::CertificateSigned signed_cert;
  if (!signed_cert.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      !signed_cert.has_cert()) {
    return absl::InvalidArgumentError("cert text: not a signed certificate (no field 4)");
  }
  return signed_cert;
}

bool looksLikePem(ByteSpan data) {
  for (uint8_t c : data) {
    if (isWhite(static_cast<char>(c))) continue;
    return c == '-';
  }
  return false;
}

std::string authorizedKeyLine(const crypto::Ed25519PublicKey& key, std::string_view comment) {
  std::string blob;
  appendSshString(&blob, kSshEd25519);
  appendSshString(&blob, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  std::string line = absl::StrCat(av(kSshEd25519), " ", base64Encode(asBytes(blob)));
  if (!comment.empty()) absl::StrAppend(&line, " ", av(comment));
  return line;
}

absl::StatusOr<crypto::Ed25519PublicKey> parseAuthorizedKeyLine(std::string_view line) {
  while (!line.empty() && isWhite(line.front()))
    line.remove_prefix(1);
  if (line.substr(0, kSshEd25519.size()) != kSshEd25519 || line.size() <= kSshEd25519.size() ||
      !isSpaceOrTab(line[kSshEd25519.size()])) {
    return absl::InvalidArgumentError("public key: not an 'ssh-ed25519 <base64>' line");
  }
  line.remove_prefix(kSshEd25519.size());
  while (!line.empty() && isSpaceOrTab(line.front()))
    line.remove_prefix(1);
  const size_t end = std::min(line.find_first_of(" \t\r\n"), line.size());
  absl::StatusOr<Bytes> blob = base64Decode(line.substr(0, end));
  if (!blob.ok()) return blob.status();
  std::string_view rest(reinterpret_cast<const char*>(blob->data()), blob->size());
  std::optional<std::string_view> type = readSshString(&rest);
  std::optional<std::string_view> key = readSshString(&rest);
  if (!type || *type != kSshEd25519 || !key || key->size() != crypto::kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError("public key: blob is not an Ed25519 key");
  }
  crypto::Ed25519PublicKey out;
  std::copy(key->begin(), key->end(), out.begin());
  return out;
}

}  // namespace opengns::connection
