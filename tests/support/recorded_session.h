// Reading the recorded sessions of ../shared/vectors (vectors README, "Field reference"
// and "Additions in the later sessions"): the SNP plaintext of a data packet and the bytes
// of a logged application message, whatever form the file gives them in.
#pragma once

#include <nlohmann/json.hpp>

#include "common/bytes.h"

namespace opengns::testing {

// A data packet's SNP plaintext: `plaintext_hex` when given (decrypted sessions), else
// the UDP payload from `chunk_offset` (NULL cipher), or for an elided fragment_session
// packet its layout rebuilt (prefix || run || suffix, byte k of the run being
// (first +/- k) mod 251). Fails the test if the result disagrees with `plaintext_len`.
Bytes recordedPlaintext(const nlohmann::json& packet);

// The bytes of a `send` or `recv` event: `data_hex`, a repeated ASCII unit
// (`data_unit_ascii`), or one of the two byte patterns (`data_pattern`). Fails the test
// on a form it does not know or a length that disagrees with `len`.
Bytes recordedMessageBytes(const nlohmann::json& event);

}  // namespace opengns::testing
