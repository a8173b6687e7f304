// RAII owners for the OpenSSL 3 handles used in src/crypto. Every OpenSSL object we
// create lives in one of these unique_ptrs, so no error path can leak one. The free
// functions OpenSSL provides already wipe key material held inside these objects.
#pragma once

#include <openssl/evp.h>

#include <memory>

namespace opengns::crypto {

namespace internal {
template <typename T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* p) const { Free(p); }
};
}  // namespace internal

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, internal::OpensslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX, internal::OpensslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpCipherPtr =
    std::unique_ptr<EVP_CIPHER, internal::OpensslDeleter<EVP_CIPHER, EVP_CIPHER_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, internal::OpensslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using EvpMdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, internal::OpensslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, internal::OpensslDeleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr =
    std::unique_ptr<EVP_MAC_CTX, internal::OpensslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

}  // namespace opengns::crypto
