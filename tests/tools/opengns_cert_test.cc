// Runs the built opengns-cert (path from OPENGNS_CERT_PATH) as a user does: a CA, a server
// cert issued from a fresh key pair (PEM text with the key embedded), a client cert issued
// from the client's getCertificateRequest (binary), show and verify, and then an
// OPENGNS_RequireCA = 1 connection between the two that is authenticated on both sides.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/loopback_peers.h"
#include "opengns/trust.h"

namespace opengns::tools {
namespace {

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

ToolRun runTool(const std::vector<std::string>& args) {
  std::string command = absl::StrCat("'", OPENGNS_CERT_PATH, "'");
  for (const std::string& arg : args)
    absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " 2>&1");
  ToolRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t got = 0;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), got);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::vector<uint8_t> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lineAfter(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return "";
  const size_t start = at + label.size();
  return text.substr(start, text.find('\n', start) - start);
}

class OpengnsCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("opengns_cert_test_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    clearTrustedCAs();
    std::filesystem::remove_all(dir_);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(OpengnsCertTest, CaIssueShowVerifyAndAnAuthenticatedConnection) {
  // A CA; its key file is private.
  ToolRun ca = runTool({"create-ca", "--out", path("ca.key")});
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  EXPECT_EQ(std::filesystem::status(path("ca.key")).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  const std::string entry_printed = lineAfter(ca.output, "trust entry: ");
  ToolRun entry = runTool({"ca-entry", "--ca-key", path("ca.key")});
  ASSERT_EQ(entry.exit_code, 0) << entry.output;
  EXPECT_EQ(entry.output, entry_printed + "\n");
  EXPECT_EQ(entry.output.rfind("ID", 0), 0u);
  EXPECT_NE(lineAfter(ca.output, "public key:  ").find("ssh-ed25519 "), std::string::npos);

  // Server: a fresh key pair, PEM text with the key embedded.
  ToolRun issued = runTool({"issue", "--ca-key", path("ca.key"), "--identity", "str:server",
                            "--out", path("server.pem")});
  ASSERT_EQ(issued.exit_code, 0) << issued.output;
  const std::vector<uint8_t> server_pem = readFile(path("server.pem"));
  EXPECT_EQ(std::string(server_pem.begin(), server_pem.begin() + 34),
            "-----BEGIN STEAMDATAGRAM CERT-----");
  ToolRun shown = runTool({"show", path("server.pem")});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(lineAfter(shown.output, "identity:     "), "str:server");
  EXPECT_EQ(lineAfter(shown.output, "app ids:      "), "0");
  EXPECT_NE(shown.output.find("private key:  embedded"), std::string::npos);
  const std::string created = lineAfter(shown.output, "created:      ");
  const std::string expires = lineAfter(shown.output, "expires:      ");
  const auto unixOf = [](const std::string& text) {
    return std::stoll(text.substr(text.rfind('(') + 1));
  };
  EXPECT_EQ(unixOf(expires) - unixOf(created), 730LL * 24 * 3600);  // the default expiry

  // verify: against our CA it is good, against another it is not.
  ToolRun good = runTool({"verify", "--ca-key", path("ca.key"), path("server.pem")});
  EXPECT_EQ(good.exit_code, 0) << good.output;
  ASSERT_EQ(runTool({"create-ca", "--out", path("other.key")}).exit_code, 0);
  ToolRun bad = runTool({"verify", "--ca-key", path("other.key"), path("server.pem")});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("NOT VALID"), std::string::npos);
  EXPECT_EQ(runTool({"verify", "--ca-entry", entry_printed, "--app", "480", path("server.pem")})
                .exit_code,
            1);

  // Client: certified from its own certificate request, binary output.
  testing::Peer server(true), client;
  client->resetIdentity(*NetworkingIdentity::parse("str:client"));
  CertificateRequestResult request = client->getCertificateRequest();
  ASSERT_FALSE(request.certificate.empty()) << request.error_message;
  std::ofstream(path("client.req"), std::ios::binary)
      .write(reinterpret_cast<const char*>(request.certificate.data()),
             static_cast<std::streamsize>(request.certificate.size()));
  issued = runTool({"issue", "--ca-key", path("ca.key"), "--request", path("client.req"), "--days",
                    "2", "--binary", "--out", path("client.cert")});
  ASSERT_EQ(issued.exit_code, 0) << issued.output;
  ToolRun client_shown = runTool({"show", path("client.cert")});
  EXPECT_EQ(lineAfter(client_shown.output, "identity:     "), "str:client");
  EXPECT_EQ(client_shown.output.find("private key"), std::string::npos);  // the client keeps it

  // Everything fits together with no conversion.
  ASSERT_TRUE(addTrustedCA(entry_printed));
  SetCertificateResult set = server->setCertificate(server_pem);
  ASSERT_TRUE(set.response) << set.error;
  set = client->setCertificate(readFile(path("client.cert")));
  ASSERT_TRUE(set.response) << set.error;
  const std::vector<ConfigOption> strict = {
      ConfigOption{ConfigValue::kOpengnsRequireCA, int32_t{1}}};
  auto [listen, port] = testing::listenOn(server, "127.0.0.1:0", strict);
  auto [c, s] = testing::connectPair(client, server, "127.0.0.1", port, strict);
  ASSERT_TRUE(client->getConnectionInfo(c).has_value());
  ASSERT_TRUE(server->getConnectionInfo(s).has_value());
  EXPECT_EQ(client->getConnectionInfo(c)->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  EXPECT_EQ(server->getConnectionInfo(s)->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  EXPECT_EQ(client->getConnectionInfo(c)->identity.toString(), "str:server");
  EXPECT_EQ(server->getConnectionInfo(s)->identity.toString(), "str:client");
  (void)listen;
}

TEST_F(OpengnsCertTest, BadUsageAndInputsAreReported) {
  EXPECT_EQ(runTool({}).exit_code, 2);
  EXPECT_EQ(runTool({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(runTool({"create-ca"}).exit_code, 2);
  ToolRun missing = runTool({"issue", "--ca-key", path("nope.key"), "--identity", "str:a"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot read"), std::string::npos);
  ASSERT_EQ(runTool({"create-ca", "--out", path("ca.key")}).exit_code, 0);
  ToolRun no_identity = runTool({"issue", "--ca-key", path("ca.key")});
  EXPECT_EQ(no_identity.exit_code, 1);
  EXPECT_NE(no_identity.output.find("identity"), std::string::npos);
  EXPECT_EQ(runTool({"issue", "--ca-key", path("ca.key"), "--identity", "nonsense"}).exit_code, 1);
  EXPECT_EQ(runTool({"issue", "--ca-key", path("ca.key"), "--identity", "ip:::1"}).exit_code, 1);
  std::ofstream(path("junk")) << "hello";
  EXPECT_EQ(runTool({"show", path("junk")}).exit_code, 1);
}

}  // namespace
}  // namespace opengns::tools
