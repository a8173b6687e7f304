#include "crypto/ed25519.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/kat_files.h"
#include "support/vectors.h"

namespace opengns::crypto {
namespace {

using opengns::testing::hexBytes;

// RFC 8032 / the ed25519 reference's sign.input: 1024 cases, messages of 0..1023 bytes.
TEST(Ed25519Test, MatchesSignInput) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto cases = testing::readEd25519SignInput(testing::katDir() / "asymmetric/Ed25519/sign.input");
  ASSERT_GE(cases.size(), 1024u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    SCOPED_TRACE(::testing::Message() << "sign.input line " << i + 1);
    auto pair = Ed25519KeyPair::fromPrivateKey(c.seed);
    ASSERT_TRUE(pair.ok()) << pair.status();
    ASSERT_EQ(toHex(pair->publicKey()), toHex(c.public_key));
    auto sig = pair->sign(c.message);
    ASSERT_TRUE(sig.ok()) << sig.status();
    ASSERT_EQ(toHex(*sig), toHex(c.signature));
    ASSERT_TRUE(ed25519Verify(c.public_key, c.message, c.signature).ok());
  }
}

TEST(Ed25519Test, RejectsTamperedSignatureMessageAndKey) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto cases = testing::readEd25519SignInput(testing::katDir() / "asymmetric/Ed25519/sign.input");
  ASSERT_GE(cases.size(), 4u);
  const auto& c = cases[3];  // a 3-byte message
  ASSERT_TRUE(ed25519Verify(c.public_key, c.message, c.signature).ok());

  for (size_t bit = 0; bit < c.signature.size() * 8; bit += 37) {
    Bytes sig = c.signature;
    sig[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    absl::Status s = ed25519Verify(c.public_key, c.message, sig);
    EXPECT_FALSE(s.ok()) << "signature bit " << bit;
  }
  Bytes msg = c.message;
  msg[0] ^= 1;
  absl::Status bad_msg = ed25519Verify(c.public_key, msg, c.signature);
  EXPECT_EQ(bad_msg.code(), absl::StatusCode::kUnauthenticated) << bad_msg;
  Bytes longer = c.message;
  longer.push_back(0);
  EXPECT_FALSE(ed25519Verify(c.public_key, longer, c.signature).ok());
  EXPECT_FALSE(ed25519Verify(cases[4].public_key, c.message, c.signature).ok());

  // crypto.md §2.3: any signature length other than 64 is rejected.
  Bytes sig63(c.signature.begin(), c.signature.end() - 1);
  absl::Status short_sig = ed25519Verify(c.public_key, c.message, sig63);
  EXPECT_EQ(short_sig.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_sig.message().find("63 bytes"), std::string::npos) << short_sig;
  Bytes sig65 = c.signature;
  sig65.push_back(0);
  EXPECT_FALSE(ed25519Verify(c.public_key, c.message, sig65).ok());
  EXPECT_FALSE(ed25519Verify(Bytes(31, 1), c.message, c.signature).ok());
  EXPECT_FALSE(ed25519Verify({}, c.message, c.signature).ok());
}

TEST(Ed25519Test, GenerateSignVerifyRoundTrip) {
  auto pair = Ed25519KeyPair::generate();
  ASSERT_TRUE(pair.ok());
  Bytes msg = {'c', 'r', 'y', 'p', 't'};
  auto sig = pair->sign(msg);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(ed25519Verify(pair->publicKey(), msg, *sig).ok());
  auto empty_sig = pair->sign({});
  ASSERT_TRUE(empty_sig.ok());
  EXPECT_TRUE(ed25519Verify(pair->publicKey(), {}, *empty_sig).ok());
  EXPECT_FALSE(ed25519Verify(pair->publicKey(), msg, *empty_sig).ok());

  auto raw = pair->privateKey();
  ASSERT_TRUE(raw.ok());
  auto again = Ed25519KeyPair::fromPrivateKey(raw->span());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->publicKey(), pair->publicKey());
  EXPECT_FALSE(Ed25519KeyPair::fromPrivateKey(Bytes(64, 1)).ok());
}

// crypto.md §3.3: in every capture the crypt-info signature in ConnectRequest and
// ConnectOK verifies against key_data of the cert in the same packet. The signed
// crypt info (SessionCryptInfoSigned) is `0a 31 <49-byte info> 12 40 <64-byte sig>`;
// we locate the info by its recorded bytes (kdf_vectors.json) and read the signature
// after it, and the cert key is bytes 4..36 of the cert body (`08 01 12 20 <key>`).
// Decoding the messages properly is the wire layer's job; this only checks the crypto.
TEST(Ed25519Test, RecordedCryptInfoSignaturesVerifyWithCertKeys) {
  OPENGNS_REQUIRE_SHARED();
  auto vectors = opengns::testing::loadJson(opengns::testing::vectorsDir() / "kdf_vectors.json");
  int verified = 0;
  for (const auto& v : vectors["vectors"]) {
    auto packets = opengns::testing::loadJson(opengns::testing::vectorsDir() /
                                              (v["name"].get<std::string>() + ".packets.json"));
    for (const std::string side : {"client", "server"}) {
      SCOPED_TRACE(v["name"].get<std::string>() + " " + side);
      Bytes info = hexBytes(v["inputs"][side + "_crypt_info"]);
      Bytes cert = hexBytes(v["inputs"][side + "_cert"]);
      int index = v["where_in_capture"][side + "_crypt_info"]["packet_index"];
      Bytes payload = hexBytes(packets["packets"][index]["udp_payload_hex"]);
      auto at = std::search(payload.begin(), payload.end(), info.begin(), info.end());
      ASSERT_NE(at, payload.end());
      size_t sig_field = static_cast<size_t>(at - payload.begin()) + info.size();
      ASSERT_GE(payload.size(), sig_field + 2 + kEd25519SignatureBytes);
      ASSERT_EQ(payload[sig_field], 0x12);
      ASSERT_EQ(payload[sig_field + 1], kEd25519SignatureBytes);
      ByteSpan signature(payload.data() + sig_field + 2, kEd25519SignatureBytes);
      ASSERT_GE(cert.size(), 36u);
      ASSERT_EQ(toHex(ByteSpan(cert).first(4)), "08011220");
      ByteSpan cert_key = ByteSpan(cert).subspan(4, kEd25519PublicKeyBytes);
      EXPECT_TRUE(ed25519Verify(cert_key, info, signature).ok());
      // And the signature covers the info body only: the other side's info fails.
      const std::string other = side == "client" ? "server" : "client";
      EXPECT_FALSE(
          ed25519Verify(cert_key, hexBytes(v["inputs"][other + "_crypt_info"]), signature).ok());
      ++verified;
    }
  }
  EXPECT_EQ(verified, 6);
}

}  // namespace
}  // namespace opengns::crypto
