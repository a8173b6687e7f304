// Runs the built opengns-dump executable (path from OPENGNS_DUMP_PATH) the way a user
// does and checks its text: the encrypted session from tests/data decrypted with its key
// log (handshake fields, frames, and the messages the applications recorded in
// ../shared), every recorded UDP session decoded without errors except the malformed
// lanes_many_session packet, and hostile captures that must be reported, not crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/bytes.h"
#include "opengns_udp.pb.h"
#include "pcap_reader.h"
#include "support/vectors.h"
#include "wire/control_packet.h"

namespace opengns::tools {
namespace {

using ::opengns::testing::hexBytes;
using ::opengns::testing::loadJson;
using ::opengns::testing::loadJsonLines;
using ::opengns::testing::testDataDir;
using ::opengns::testing::udpSessionNames;
using ::opengns::testing::vectorsDir;

struct DumpRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string quoted(const std::string& text) {
  return absl::StrCat("'", text, "'");
}

DumpRun runDump(const std::vector<std::string>& args) {
  std::string command = quoted(OPENGNS_DUMP_PATH);
  for (const std::string& arg : args)
    absl::StrAppend(&command, " ", quoted(arg));
  absl::StrAppend(&command, " 2>&1");
  DumpRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 65536> buffer;
  size_t got = 0;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), got);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The summary line of datagram `index` ("#10    +0.8...").
std::string summaryLine(const std::string& output, size_t index) {
  const std::string prefix = absl::StrCat("#", index, " ");
  for (const std::string& line : lines(output)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

// The totals line of a direction, and the numbers in it.
struct Totals {
  uint64_t packets = 0;
  uint64_t messages = 0;
  uint64_t decode_errors = 0;
  bool found = false;
};

Totals totalsOf(const std::string& output, const std::string& direction) {
  static const std::regex kTotals(
      R"(^  (\S+)  (\d+) packets, \d+ B \(\d+ control, \d+ data\); (\d+) messages .*decode errors: (\d+)$)");
  Totals totals;
  for (const std::string& line : lines(output)) {
    std::smatch m;
    if (std::regex_match(line, m, kTotals) && m[1] == direction) {
      totals = {std::stoull(m[2]), std::stoull(m[3]), std::stoull(m[4]), true};
    }
  }
  return totals;
}

// The "lane L #N reliable|unreliable LEN B ..." part of every message line of a direction,
// in output order.
std::vector<std::string> messageLines(const std::string& output, const std::string& direction) {
  const std::string marker = absl::StrCat(">> message ", direction, " ");
  std::vector<std::string> out;
  for (const std::string& line : lines(output)) {
    const size_t at = line.find(marker);
    if (at != std::string::npos) out.push_back(line.substr(at + marker.size()));
  }
  return out;
}

// What the dump must print for a message, derived from an app_messages.json event.
// Without data_hex (long messages given by a rule) only the part before the preview.
// `number` stands in for the event's message number when it has none (chat_session).
std::string expectedMessage(const nlohmann::json& event, bool with_preview,
                            std::optional<uint64_t> number = std::nullopt) {
  if (!number) number = event["msg_num"].get<uint64_t>();
  std::string text = absl::StrCat("lane ", event["lane"].get<int>(), " #", *number, " ",
                                  event["reliable"].get<int>() ? "reliable" : "unreliable", " ",
                                  event["len"].get<uint64_t>(), " B");
  if (!with_preview) return text;
  const Bytes data = hexBytes(event["data_hex"].get<std::string>());
  const bool printable = !data.empty() && std::all_of(data.begin(), data.end(), [](uint8_t b) {
    return b >= 0x20 && b <= 0x7e;
  });
  if (printable) {
    std::string shown(data.begin(), data.begin() + std::min<size_t>(data.size(), 60));
    absl::StrAppend(&text, " \"", shown, "\"", data.size() > 60 ? "..." : "");
  } else {
    absl::StrAppend(&text, " hex");
    for (size_t i = 0; i < data.size() && i < 16; ++i)
      absl::StrAppend(&text, absl::StrFormat(" %02x", data[i]));
    if (data.size() > 16) absl::StrAppend(&text, " ...");
  }
  return text;
}

std::string withoutPreview(const std::string& message_line) {
  const size_t b = message_line.find(" B");
  return b == std::string::npos ? message_line : message_line.substr(0, b + 2);
}

bool hasDataHex(const nlohmann::json& event) {
  return event.contains("data_hex") && event["data_hex"].is_string();
}

const std::filesystem::path kEncryptedPcap = testDataDir() / "encrypted_session.pcap";
const std::filesystem::path kEncryptedKeylog = testDataDir() / "encrypted_session.keylog.jsonl";

TEST(OpengnsDumpTest, EncryptedSessionDecryptsWithTheKeyLog) {
  const DumpRun run = runDump({kEncryptedPcap, "--keylog", kEncryptedKeylog});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string& out = run.output;
  EXPECT_EQ(out.find("ERROR"), std::string::npos) << out;

  // The handshake: every control type, with the fields that matter.
  for (const char* type : {"ChallengeRequest", "ChallengeReply", "ConnectRequest", "ConnectOK",
                           "ConnectionClosed", "NoConnection"}) {
    EXPECT_NE(out.find(type), std::string::npos) << type;
  }
  uint32_t client_cid = 0;
  uint32_t server_cid = 0;
  for (const nlohmann::json& line : loadJsonLines(kEncryptedKeylog)) {
    (line["role"] == "client" ? client_cid : server_cid) =
        line["connection_id_local"].get<uint32_t>();
  }
  EXPECT_NE(out.find(absl::StrCat("client_connection_id: ", client_cid)), std::string::npos) << out;
  EXPECT_NE(out.find(absl::StrCat("server_connection_id: ", server_cid)), std::string::npos);
  EXPECT_NE(out.find("reason_code: 1000"), std::string::npos);
  EXPECT_NE(out.find("\"goodbye from vector client\""), std::string::npos);
  EXPECT_NE(out.find("CIPHER_AES_256_GCM"), std::string::npos);  // nested crypt info decoded
  EXPECT_NE(out.find("key_data"), std::string::npos);            // nested cert decoded

  // Data packets: the header, the decryption and the frames of the first one (idx 4,
  // client packet 2: stop-waiting 1, the first ack, R1 at stream position 1).
  EXPECT_NE(summaryLine(out, 4).find("c2s"), std::string::npos);
  EXPECT_NE(summaryLine(out, 4).find("data packet 2"), std::string::npos);
  EXPECT_NE(out.find(absl::StrFormat("to connection 0x%08x (server)", server_cid)),
            std::string::npos);
  EXPECT_NE(out.find(absl::StrFormat("to connection 0x%08x (client)", client_cid)),
            std::string::npos);
  EXPECT_NE(out.find("AES-256-GCM, tag ok"), std::string::npos);
  EXPECT_NE(out.find("stop=0 "), std::string::npos);  // 80 01 in packet 2: 2 - 1 - 1
  EXPECT_NE(out.find("latest=1 delay no timing: received 0-1"), std::string::npos);
  EXPECT_NE(out.find("lane 0, stream [1,24), 23 B, starts message #1 (22 B payload)"),
            std::string::npos);
  EXPECT_NE(out.find("select-lane   lane 1"), std::string::npos);
  EXPECT_NE(out.find("unreliable    lane 0, message #6, 13 B, whole message"), std::string::npos);

  const Totals c2s = totalsOf(out, "c2s");
  const Totals s2c = totalsOf(out, "s2c");
  ASSERT_TRUE(c2s.found && s2c.found) << out;
  EXPECT_EQ(c2s.packets + s2c.packets, 28u);
  EXPECT_EQ(c2s.decode_errors, 0u);
  EXPECT_EQ(s2c.decode_errors, 0u);
  // README: 12 messages client to server, 2 back.
  EXPECT_EQ(c2s.messages, 12u);
  EXPECT_EQ(s2c.messages, 2u);
}

TEST(OpengnsDumpTest, EncryptedSessionMessagesMatchWhatTheApplicationsReceived) {
  OPENGNS_REQUIRE_SHARED();
  const DumpRun run = runDump({kEncryptedPcap, "--keylog", kEncryptedKeylog});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const nlohmann::json events =
      loadJson(vectorsDir() / "encrypted_session.app_messages.json")["app_events"];
  std::map<std::string, std::vector<std::string>> expected;  // by direction, in order
  for (const nlohmann::json& event : events) {
    if (event["event"] != "recv") continue;
    expected[event["side"] == "server" ? "c2s" : "s2c"].push_back(expectedMessage(event, true));
  }
  ASSERT_EQ(expected["c2s"].size(), 12u);
  for (const char* direction : {"c2s", "s2c"}) {
    EXPECT_EQ(messageLines(run.output, direction), expected[direction]) << direction;
  }
}

TEST(OpengnsDumpTest, WithoutTheKeyLogAnEncryptedSessionShowsHeadersOnly) {
  const DumpRun run = runDump({kEncryptedPcap});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(summaryLine(run.output, 4).find("data packet 2 (encrypted)"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("give --keylog"), std::string::npos);
  EXPECT_EQ(run.output.find("stop-waiting"), std::string::npos);
  EXPECT_EQ(totalsOf(run.output, "c2s").messages, 0u);
  EXPECT_EQ(totalsOf(run.output, "c2s").decode_errors, 0u);
}

TEST(OpengnsDumpTest, OptionsHideFramesAndMessagesAndShowHex) {
  const DumpRun quiet =
      runDump({kEncryptedPcap, "--keylog", kEncryptedKeylog, "--no-frames", "--no-messages"});
  ASSERT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.output.find("stop-waiting"), std::string::npos);
  EXPECT_EQ(quiet.output.find(">> message c2s"), std::string::npos);
  EXPECT_EQ(totalsOf(quiet.output, "c2s").messages, 12u);  // still counted

  const DumpRun hex = runDump({kEncryptedPcap, "--keylog=" + kEncryptedKeylog.string(), "--hex"});
  ASSERT_EQ(hex.exit_code, 0);
  // The first plaintext of the session starts with stop-waiting 80 01 and ack 98 01 00 ff ff.
  EXPECT_NE(hex.output.find("plaintext (37 B):"), std::string::npos) << hex.output;
  EXPECT_NE(hex.output.find("0000  80 01 98 01 00 ff ff"), std::string::npos);
}

TEST(OpengnsDumpTest, BadArgumentsAndUnreadableInputsFailCleanly) {
  EXPECT_EQ(runDump({}).exit_code, 2);
  EXPECT_EQ(runDump({kEncryptedPcap, "--bogus"}).exit_code, 2);
  EXPECT_EQ(runDump({kEncryptedPcap, "--server-port", "70000"}).exit_code, 2);
  EXPECT_EQ(runDump({kEncryptedPcap, "--keylog"}).exit_code, 2);
  EXPECT_EQ(runDump({"--help"}).exit_code, 0);
  const DumpRun missing = runDump({"/nonexistent/capture.pcap"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot open"), std::string::npos);
  // A key log that is not one: the pcap itself.
  const DumpRun bad_keylog = runDump({kEncryptedPcap, "--keylog", kEncryptedPcap});
  EXPECT_EQ(bad_keylog.exit_code, 1);
  EXPECT_NE(bad_keylog.output.find("key log line 1"), std::string::npos) << bad_keylog.output;
}

TEST(OpengnsDumpTest, AnotherSessionsKeyLogIsNamedAsTheCauseOfDecryptionFailures) {
  OPENGNS_REQUIRE_SHARED();
  const DumpRun run =
      runDump({kEncryptedPcap, "--keylog", (vectorsDir() / "chat_session.keylog.jsonl").string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(summaryLine(run.output, 4).find("the key log is for client connection"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(totalsOf(run.output, "c2s").decode_errors, 15u);  // every c2s data packet
}

// ---- Hostile captures, written by the test -------------------------------------------

struct HostileDatagram {
  bool from_client = true;
  Bytes payload;
};

void putBe16(Bytes& out, size_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

void putLe32(Bytes& out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// A little-endian pcap with Ethernet / IPv4 / UDP frames between 10.0.0.1:5000 (client)
// and 10.0.0.2:27020.
std::filesystem::path writeCapture(const std::string& name,
                                   const std::vector<HostileDatagram>& datagrams) {
  Bytes file;
  putLe32(file, 0xa1b2c3d4);
  file.insert(file.end(), {2, 0, 4, 0});
  putLe32(file, 0);
  putLe32(file, 0);
  putLe32(file, 65535);
  putLe32(file, 1);  // Ethernet
  uint32_t usec = 0;
  for (const HostileDatagram& d : datagrams) {
    Bytes frame(12, 0);
    putBe16(frame, 0x0800);
    const std::array<uint8_t, 4> client = {10, 0, 0, 1};
    const std::array<uint8_t, 4> server = {10, 0, 0, 2};
    frame.insert(frame.end(), {0x45, 0});
    putBe16(frame, 20 + 8 + d.payload.size());
    frame.insert(frame.end(), {0, 0, 0, 0, 64, 17, 0, 0});
    const auto& src = d.from_client ? client : server;
    const auto& dst = d.from_client ? server : client;
    frame.insert(frame.end(), src.begin(), src.end());
    frame.insert(frame.end(), dst.begin(), dst.end());
    putBe16(frame, d.from_client ? 5000 : 27020);
    putBe16(frame, d.from_client ? 27020 : 5000);
    putBe16(frame, 8 + d.payload.size());
    putBe16(frame, 0);
    frame.insert(frame.end(), d.payload.begin(), d.payload.end());
    putLe32(file, 1);
    putLe32(file, usec += 1000);
    putLe32(file, static_cast<uint32_t>(frame.size()));
    putLe32(file, static_cast<uint32_t>(frame.size()));
    file.insert(file.end(), frame.begin(), frame.end());
  }
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      absl::StrCat("opengns_dump_test_", getpid(), "_", name, ".pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), file.size());
  return path;
}

// A ConnectRequest whose crypt info offers only the NULL cipher, so that the dump reads
// the following data packets as plaintext.
Bytes nullCipherConnectRequest() {
  wire::SessionCryptInfo info;
  info.set_key_type(wire::KEY_EXCHANGE_KEY_TYPE_CURVE25519);
  info.add_ciphers(wire::CIPHER_NULL);
  wire::ConnectRequest request;
  request.set_client_connection_id(0x11111111);
  request.mutable_crypt()->set_info(info.SerializeAsString());
  auto encoded = wire::encodeControlPacket(request);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return encoded.ok() ? *encoded : Bytes{};
}

Bytes dataPacket(uint16_t packet_number, const Bytes& plaintext, uint8_t flags = 0x80) {
  Bytes out = {flags,
               0x22,
               0x22,
               0x22,
               0x22,
               static_cast<uint8_t>(packet_number),
               static_cast<uint8_t>(packet_number >> 8)};
  out.insert(out.end(), plaintext.begin(), plaintext.end());
  return out;
}

TEST(OpengnsDumpTest, MalformedPacketsAreReportedOnTheirLineAndTheDumpGoesOn) {
  const std::vector<HostileDatagram> datagrams = {
      {true, nullCipherConnectRequest()},
      {true, {0x20, 0xff, 0xff, 0x01, 0x02, 0x03}},  // 1 padded, too short
      {true, {0x81, 1, 2, 3, 4, 5, 0, 0xff}},        // 2 stats varint off the end
      {true, dataPacket(2, {0x80, 0x01, 0x60})},     // 3 reserved frame lead
      {true,
       dataPacket(3, {0x80, 0x02, 0x57, 0x01, 0, 0, 0, 0, 0, 0x80, 0x01})},  // 4 bit 7 in header
      {true,
       dataPacket(4, {0x80, 0x03, 0x37, 0x01, 0, 0, 0, 'h', 'i'})},  // 5 fine: "hi" unreliable
      {true, dataPacket(5, {0, 0, 0, 0})},                           // 6 zero padding
      {true, {0x7f}},                                                // 7 one byte
      {false, dataPacket(2, {0x80, 0x01, 0x98, 0x06, 0x00, 0xff, 0xff})},  // 8 ack of packet 6
  };
  const std::filesystem::path path = writeCapture("malformed", datagrams);
  const DumpRun run = runDump({path});
  std::filesystem::remove(path);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(summaryLine(run.output, 0).find("ERROR"), std::string::npos) << run.output;
  for (size_t bad : {1, 2, 3, 4, 6}) {
    EXPECT_NE(summaryLine(run.output, bad).find("** ERROR: "), std::string::npos)
        << "datagram " << bad << "\n"
        << run.output;
  }
  EXPECT_EQ(summaryLine(run.output, 5).find("ERROR"), std::string::npos);
  // The plaintext of a packet whose frames failed is shown (datagram 3: reserved lead 0x60).
  EXPECT_NE(run.output.find("0000  80 01 60\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(">> message c2s lane 0 #1 unreliable 2 B \"hi\""), std::string::npos);
  EXPECT_NE(summaryLine(run.output, 7).find("too short"), std::string::npos);
  EXPECT_NE(run.output.find("latest=6 delay no timing: received 0-6 [acks packet 6, beyond the "
                            "highest packet seen the other way (5)]"),
            std::string::npos);
  EXPECT_NE(summaryLine(run.output, 1).find("ChallengeRequest (not decodable)"), std::string::npos);
  EXPECT_EQ(totalsOf(run.output, "c2s").decode_errors, 5u);
  EXPECT_EQ(totalsOf(run.output, "s2c").decode_errors, 0u);
}

TEST(OpengnsDumpTest, WithoutAChallengeRequestTheServerPortDecidesTheDirections) {
  const std::vector<HostileDatagram> datagrams = {
      {true, nullCipherConnectRequest()},
      {false, dataPacket(2, {0x80, 0x01, 0x98, 0x01, 0x00, 0xff, 0xff})},
  };
  const std::filesystem::path path = writeCapture("ports", datagrams);
  const DumpRun by_default = runDump({path});
  const DumpRun flipped = runDump({path, "--server-port", "5000"});
  std::filesystem::remove(path);
  ASSERT_EQ(by_default.exit_code, 0);
  ASSERT_EQ(flipped.exit_code, 0);
  EXPECT_NE(summaryLine(by_default.output, 0).find("c2s  10.0.0.1:5000 -> 10.0.0.2:27020"),
            std::string::npos)
      << by_default.output;
  EXPECT_NE(by_default.output.find("client 10.0.0.1:5000, server 10.0.0.2:27020"),
            std::string::npos);
  EXPECT_NE(summaryLine(flipped.output, 0).find("s2c  10.0.0.1:5000 -> 10.0.0.2:27020"),
            std::string::npos)
      << flipped.output;
}

TEST(OpengnsDumpTest, RandomDatagramsNeverCrashTheDump) {
  std::mt19937 random(20240611);  // fixed seed: a failure reproduces
  std::vector<HostileDatagram> datagrams = {{true, nullCipherConnectRequest()}};
  const std::array<uint8_t, 9> leads = {0x80, 0x81, 0x82, 0x83, 0x20, 0x21, 0x22, 0x23, 0x24};
  for (int i = 0; i < 300; ++i) {
    HostileDatagram d;
    d.from_client = random() % 2 == 0;
    const size_t size = 1 + random() % 80;
    d.payload.push_back(leads[random() % leads.size()]);
    for (size_t k = 1; k < size; ++k)
      d.payload.push_back(static_cast<uint8_t>(random()));
    if (d.payload[0] >= 0x80 && size >= 9) {
      // A plausible header often, so that the SNP decoder sees the random bytes.
      d.payload[5] = static_cast<uint8_t>(2 + i / 2);
      d.payload[6] = 0;
      d.payload[0] = 0x80;
    }
    datagrams.push_back(std::move(d));
  }
  const std::filesystem::path path = writeCapture("random", datagrams);
  const DumpRun run = runDump({path});
  std::filesystem::remove(path);
  ASSERT_EQ(run.exit_code, 0) << run.output.substr(0, 4000);
  EXPECT_TRUE(totalsOf(run.output, "c2s").found);
  EXPECT_EQ(totalsOf(run.output, "c2s").packets + totalsOf(run.output, "s2c").packets, 301u);
}

TEST(OpengnsDumpTest, AForgedTagIsAnErrorOnThatPacketOnly) {
  // Flip the last byte (part of the AES-GCM tag) of datagram 4 in a copy of the capture.
  std::ifstream in(kEncryptedPcap, std::ios::binary);
  Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t offset = 24;
  for (int record = 0; record < 4; ++record) {
    ASSERT_LE(offset + 16, file.size());
    offset += 16 + (file[offset + 8] | file[offset + 9] << 8 | file[offset + 10] << 16);
  }
  const size_t length = file[offset + 8] | file[offset + 9] << 8 | file[offset + 10] << 16;
  ASSERT_LE(offset + 16 + length, file.size());
  file[offset + 16 + length - 1] ^= 0x01;
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     absl::StrCat("opengns_dump_test_", getpid(), "_forged.pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), file.size());
  const DumpRun run = runDump({path, "--keylog", kEncryptedKeylog});
  std::filesystem::remove(path);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(summaryLine(run.output, 4).find("** ERROR: decryption failed: packet 2"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(totalsOf(run.output, "c2s").decode_errors, 1u);
  // R1 was lost with the packet; the later messages still decode (R2 waits for it in the
  // stream, but the unreliable ones are delivered).
  EXPECT_NE(run.output.find("lane 0 #6 unreliable 13 B \"unreliable #1\""), std::string::npos);
}

// ---- Every recorded session ------------------------------------------------------------

TEST(OpengnsDumpTest, EveryRecordedUdpSessionDecodesLikeTheApplicationsSawIt) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : udpSessionNames()) {
    if (session == "encrypted_session") continue;  // covered above from tests/data
    SCOPED_TRACE(session);
    std::vector<std::string> args = {(vectorsDir() / (session + ".pcap")).string()};
    const std::filesystem::path keylog = vectorsDir() / (session + ".keylog.jsonl");
    const bool encrypted = session == "chat_session";
    if (encrypted) args.insert(args.end(), {"--keylog", keylog.string()});
    const DumpRun run = runDump(args);
    ASSERT_EQ(run.exit_code, 0) << run.output.substr(0, 4000);
    const Totals c2s = totalsOf(run.output, "c2s");
    const Totals s2c = totalsOf(run.output, "s2c");
    ASSERT_TRUE(c2s.found && s2c.found);
    EXPECT_EQ(c2s.packets + s2c.packets,
              loadJson(vectorsDir() / (session + ".packets.json"))["packets"].size());

    if (session == "lanes_many_session") {
      // idx 10: the reference's select-lane frame without its lane number (README, "Many
      // lanes"). It must be reported there, and nowhere else.
      EXPECT_NE(summaryLine(run.output, 10).find("** ERROR: SNP frames"), std::string::npos)
          << summaryLine(run.output, 10);
      EXPECT_EQ(c2s.decode_errors, 1u);
    } else {
      EXPECT_EQ(c2s.decode_errors, 0u) << run.output.substr(0, 4000);
    }
    EXPECT_EQ(s2c.decode_errors, 0u);

    // The messages the receivers got (for chat_session, which logs no receptions, what
    // the other side sent), compared as sets: the client's receive order may differ from
    // the capture's (lossy_session reorders on receive).
    const nlohmann::json events =
        loadJson(vectorsDir() / (session + ".app_messages.json"))["app_events"];
    std::map<std::string, std::vector<std::string>> expected;
    std::vector<std::string> with_preview;
    // chat_session's sends carry no message number: numbers count from 1 per side and
    // lane (README, "What the scripted sessions send").
    std::map<std::pair<std::string, int>, uint64_t> sent_per_lane;
    for (const nlohmann::json& event : events) {
      const bool counted = encrypted ? event["event"] == "send" : event["event"] == "recv";
      if (!counted) continue;
      const bool from_client = encrypted ? event["side"] == "client" : event["side"] == "server";
      std::optional<uint64_t> number;
      if (encrypted) number = ++sent_per_lane[{event["side"], event["lane"].get<int>()}];
      expected[from_client ? "c2s" : "s2c"].push_back(expectedMessage(event, false, number));
      if (hasDataHex(event)) with_preview.push_back(expectedMessage(event, true, number));
    }
    for (const char* direction : {"c2s", "s2c"}) {
      std::vector<std::string> got;
      for (const std::string& line : messageLines(run.output, direction))
        got.push_back(withoutPreview(line));
      std::sort(got.begin(), got.end());
      std::sort(expected[direction].begin(), expected[direction].end());
      EXPECT_EQ(got, expected[direction]) << direction;
    }
    for (const std::string& message : with_preview) {
      EXPECT_NE(run.output.find(message), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace opengns::tools
