// Cipher lists and negotiation (crypto.md §3.5, §3.6).
//
// Each side's list comes from its own Unencrypted config value (id 34, 0..3). The
// server, at accept time, walks ITS list and takes the first cipher the client also
// offers (server preference wins; an empty client list counts as [AES-256-GCM]); the
// client then requires exactly one cipher in the server's answer, acceptable to itself.
// Failures are 4002 Remote_BadCrypt. Outcome matrix (client rows, server columns):
//            0    1    2    3
//   0 [2]    AES  AES  AES  fail
//   1 [2,1]  AES  AES  NULL NULL
//   2 [1,2]  AES  AES  NULL NULL
//   3 [1]    fail NULL NULL NULL
#pragma once

#include <vector>

#include "connection/handshake_error.h"
#include "crypto/crypto_constants.h"

namespace opengns::connection {

// §3.5 / config.md 1.4.5: Unencrypted values.
inline constexpr int kUnencryptedForbidden = 0;  // [AES]
inline constexpr int kUnencryptedAllowed = 1;    // [AES, NULL]
inline constexpr int kUnencryptedPreferred = 2;  // [NULL, AES]
inline constexpr int kUnencryptedRequired = 3;   // [NULL]

// The list this side sends, in preference order. Out-of-range values act as 0 (as GNS
// does after its assert).
std::vector<crypto::CipherId> cipherListForUnencrypted(int unencrypted);

// Server side (§3.6): the first of `server_list` present in `client_list`.
HandshakeOr<crypto::CipherId> chooseCipherAsServer(
    const std::vector<crypto::CipherId>& server_list,
    const std::vector<crypto::CipherId>& client_list);

// Client side (§3.6): `server_list` must hold exactly one cipher, and it must be in
// `client_list`.
HandshakeOr<crypto::CipherId> checkServerCipher(const std::vector<crypto::CipherId>& client_list,
                                                const std::vector<crypto::CipherId>& server_list);

}  // namespace opengns::connection
