// Fuzzes the trust store (crypto.md §2.4-2.5, p2p-and-auth.md §6.6-6.7). The first byte
// chooses the mode:
//  even: the rest is trust-list text (OPENGNS_TrustedCAList). addList must report an
//        error exactly when one of its non-blank comma-separated entries is refused on
//        its own, and a certificate signed by a fixed CA key is then checked against the
//        store (trusted only if the list names that key);
//  odd:  a CA chain built here from fuzzer choices (root as key or self-signed cert,
//        up to three intermediates, expiries, app scopes, which certs the list holds,
//        revoked keys, time and app id), written as trust-list text. verify() must
//        agree with a model of §2.5: every link present, signed by its parent, not
//        revoked, not expired (CA certs need an expiry), and the app in every CA's scope.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/bytes.h"
#include "connection/certificate.h"
#include "connection/trusted_ca.h"
#include "crypto/ed25519.h"

namespace {

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

using namespace opengns;
using namespace opengns::connection;

constexpr int64_t kNowSec = 1795737600;  // 2026-11-27
constexpr size_t kKeys = 6;              // root, up to 3 intermediates, leaf, spare

const crypto::Ed25519KeyPair& key(size_t index) {
  static const std::vector<crypto::Ed25519KeyPair> keys = [] {
    std::vector<crypto::Ed25519KeyPair> k;
    for (size_t i = 0; i < kKeys; ++i)
      k.push_back(
          *crypto::Ed25519KeyPair::fromPrivateKey(Bytes(32, static_cast<uint8_t>(0x30 + i))));
    return k;
  }();
  return keys[index];
}

std::string keyEntry(size_t index) {
  const auto& pub = key(index).publicKey();
  return absl::StrCat("ID", keyIdOf(pub), ":", base64Encode(ByteSpan(pub.data(), pub.size())));
}

std::string certEntry(const wire::CertificateSigned& cert) {
  return base64Encode(asBytes(cert.SerializeAsString()));
}

wire::Certificate bodyFor(size_t index, uint32_t expiry, const std::vector<uint32_t>& apps) {
  wire::Certificate body;
  body.set_key_type(wire::CERT_KEY_TYPE_ED25519);
  const auto& pub = key(index).publicKey();
  body.set_key_data(std::string(pub.begin(), pub.end()));
  body.set_time_expiry(expiry);
  for (uint32_t app : apps)
    body.add_app_ids(app);
  return body;
}

uint32_t chooseExpiry(FuzzedDataProvider& input) {
  constexpr uint32_t kChoices[] = {0, kNowSec - 1, kNowSec, kNowSec + 1000, UINT32_MAX};
  return kChoices[input.ConsumeIntegralInRange<size_t>(0, 4)];
}

std::vector<uint32_t> chooseApps(FuzzedDataProvider& input) {
  std::vector<uint32_t> apps;  // empty = all apps
  const uint8_t mask = input.ConsumeIntegral<uint8_t>() & 7;
  for (uint32_t app = 1; app <= 3; ++app)
    if (mask & (1u << (app - 1))) apps.push_back(app);
  return apps;
}

bool allows(const std::vector<uint32_t>& apps, uint32_t app) {
  return apps.empty() || std::find(apps.begin(), apps.end(), app) != apps.end();
}

void fuzzList(std::string_view list) {
  TrustStore store;
  const absl::Status status = store.addList(list);
  bool any_refused = false;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view entry = list.substr(start, comma - start);
    const bool blank = entry.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos;
    if (!blank) {
      TrustStore alone;
      if (!alone.addEntry(entry).ok()) any_refused = true;
    }
    start = comma + 1;
  }
  FUZZ_CHECK(status.ok() == !any_refused);

  // A leaf signed by key 0: trusted only if key 0 is a root or a trusted CA in the list.
  auto leaf = signCertificate(bodyFor(4, kNowSec + 1000, {}), key(0));
  FUZZ_CHECK(leaf.ok());
  auto verified = store.verify(*leaf, kNowSec, 1);
  if (verified.ok()) {
    FUZZ_CHECK(verified->ca_key_id == keyIdOf(key(0).publicKey()));
  }
}

void fuzzChain(FuzzedDataProvider& input) {
  const size_t intermediates = input.ConsumeIntegralInRange<size_t>(0, 3);
  const size_t leaf = intermediates + 1;  // keys 0 .. intermediates are CAs
  const bool root_as_cert = input.ConsumeBool();
  std::vector<std::string> entries;
  std::vector<bool> present(leaf, false);
  std::vector<uint32_t> expiry(leaf + 1);
  std::vector<std::vector<uint32_t>> apps(leaf + 1);

  // Root.
  expiry[0] = root_as_cert ? chooseExpiry(input) : 0;
  apps[0] = root_as_cert ? chooseApps(input) : std::vector<uint32_t>{};
  present[0] = input.ConsumeBool();
  if (present[0]) {
    if (root_as_cert) {
      auto root = signCertificate(bodyFor(0, expiry[0], apps[0]), key(0));
      FUZZ_CHECK(root.ok());
      entries.push_back(certEntry(*root));
      present[0] = expiry[0] != 0;  // a CA cert needs an expiry, else it is refused
    } else {
      entries.push_back(keyEntry(0));
    }
  }
  // Intermediates: key i signed by key i-1.
  for (size_t i = 1; i < leaf; ++i) {
    expiry[i] = chooseExpiry(input);
    apps[i] = chooseApps(input);
    present[i] = input.ConsumeBool();
    if (!present[i]) continue;
    auto cert = signCertificate(bodyFor(i, expiry[i], apps[i]), key(i - 1));
    FUZZ_CHECK(cert.ok());
    entries.push_back(certEntry(*cert));
    present[i] = expiry[i] != 0;
  }
  // Shuffle: intermediates may come before their signers.
  for (size_t i = entries.size(); i > 1; --i)
    std::swap(entries[i - 1], entries[input.ConsumeIntegralInRange<size_t>(0, i - 1)]);

  TrustStore store;
  std::string list;
  for (const std::string& entry : entries)
    list += entry + (input.ConsumeBool() ? " , " : ",");
  (void)store.addList(list);
  std::vector<bool> revoked(kKeys, false);
  const uint8_t revoke_mask = input.ConsumeIntegral<uint8_t>();
  for (size_t i = 0; i <= leaf; ++i) {
    if (revoke_mask & (1u << i)) {
      revoked[i] = true;
      store.revokeKey(keyIdOf(key(i).publicKey()));
    }
  }
  expiry[leaf] = chooseExpiry(input);
  apps[leaf] = chooseApps(input);
  auto leaf_cert = signCertificate(bodyFor(leaf, expiry[leaf], apps[leaf]), key(leaf - 1));
  FUZZ_CHECK(leaf_cert.ok());
  const int64_t now = kNowSec + input.ConsumeIntegralInRange<int64_t>(-2, 2);
  const uint32_t app = input.ConsumeIntegralInRange<uint32_t>(1, 4);

  bool expected = true;
  for (size_t i = 0; i < leaf; ++i) {
    if (!present[i] || revoked[i] || !allows(apps[i], app)) expected = false;
    const bool root_key = i == 0 && !root_as_cert;
    if (!root_key && static_cast<int64_t>(expiry[i]) < now) expected = false;
  }
  if (revoked[leaf] || static_cast<int64_t>(expiry[leaf]) < now) expected = false;
  auto verified = store.verify(*leaf_cert, now, app);
  FUZZ_CHECK(verified.ok() == expected);
  if (verified.ok()) {
    FUZZ_CHECK(verified->ca_key_id == keyIdOf(key(leaf - 1).publicKey()));
    FUZZ_CHECK(scopeAllows(verified->app_scope, app));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    FuzzedDataProvider input(data + 1, size - 1);
    fuzzChain(input);
  } else {
    fuzzList(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  }
  return 0;
}
