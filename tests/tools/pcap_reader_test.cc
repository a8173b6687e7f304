#include "pcap_reader.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace opengns::tools {
namespace {

using ::opengns::testing::loadJson;
using ::opengns::testing::udpSessionNames;
using ::opengns::testing::vectorsDir;

TEST(PcapReaderTest, EveryRecordedSessionMatchesItsPacketList) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : udpSessionNames()) {
    SCOPED_TRACE(session);
    auto datagrams = readPcapFile(vectorsDir() / (session + ".pcap"));
    ASSERT_TRUE(datagrams.ok()) << datagrams.status();
    nlohmann::json packets = loadJson(vectorsDir() / (session + ".packets.json"))["packets"];
    ASSERT_EQ(datagrams->size(), packets.size());
    for (size_t i = 0; i < packets.size(); ++i) {
      const nlohmann::json& p = packets[i];
      const CapturedDatagram& d = (*datagrams)[i];
      EXPECT_EQ(d.frame, p["pcap_frame"].get<size_t>());
      EXPECT_EQ(d.src, p["src"].get<std::string>());
      EXPECT_EQ(d.dst, p["dst"].get<std::string>());
      EXPECT_EQ(d.payload.size(), p["udp_payload_len"].get<size_t>());
      EXPECT_NEAR(d.time_sec, p["t_pcap"].get<double>(), 2e-6);
      if (p.contains("udp_payload_hex") && p["udp_payload_hex"].is_string()) {
        EXPECT_EQ(toHex(d.payload), p["udp_payload_hex"].get<std::string>()) << "packet " << i;
      }
    }
  }
}

TEST(PcapReaderTest, RejectsTruncatedAndForeignFiles) {
  EXPECT_FALSE(parsePcap(Bytes{}).ok());
  EXPECT_FALSE(parsePcap(Bytes{1, 2, 3, 4, 5, 6, 7, 8}).ok());
  // A valid little-endian header with link type 1 followed by a record whose length
  // runs past the end of the file.
  Bytes file = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0};
  EXPECT_TRUE(parsePcap(file).ok());
  Bytes record = {0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 1, 2};
  file.insert(file.end(), record.begin(), record.end());
  auto result = parsePcap(file);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("record 1"), std::string::npos);
  // Link type 101 (raw IP) is refused by name.
  Bytes raw = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0,   0, 0, 0,
               0,    0,    0,    0,    0, 0, 4, 0, 101, 0, 0, 0};
  EXPECT_FALSE(parsePcap(raw).ok());
}

}  // namespace
}  // namespace opengns::tools
