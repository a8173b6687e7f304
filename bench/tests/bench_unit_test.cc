// Unit tests of opengns-bench's pieces that do not need a network: order statistics, the
// callgrind output parser, the command line, the fixed scenario catalogue (names from the
// benchmark's definition in issue 6) and the message header.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "bench_message.h"
#include "bench_options.h"
#include "callgrind_driver.h"
#include "scenario_catalog.h"
#include "stats.h"

namespace opengns::bench {
namespace {

TEST(StatsTest, PercentileInterpolatesBetweenRanks) {
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({5, 1, 3}), 3);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i)
    hundred.push_back(i);
  // rank = 0.99 * 99 = 98.01: between the 99th (99) and 100th (100) values.
  EXPECT_NEAR(percentile(hundred, 0.99), 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(percentile(hundred, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(hundred, 1), 100);
}

TEST(StatsTest, EmptySamplesGiveNaNNotZero) {
  EXPECT_TRUE(std::isnan(median({})));
  Summary s = summarize({});
  EXPECT_TRUE(std::isnan(s.min));
  EXPECT_TRUE(std::isnan(s.max));
  Summary t = summarize({7, 2, 9});
  EXPECT_DOUBLE_EQ(t.min, 2);
  EXPECT_DOUBLE_EQ(t.max, 9);
  EXPECT_DOUBLE_EQ(t.median, 7);
}

// The shape of callgrind 3.19 output files (header lines as written by valgrind for a part
// dumped by CALLGRIND_DUMP_STATS_AT("workload") and for the part written at exit).
constexpr const char* kWorkloadPart =
    "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 23771\ncmd:  ./t\n"
    "part: 1\n\ndesc: I1 cache: \ndesc: Timerange: Basic block 0 - 200049\n"
    "desc: Trigger: Client Request: workload\n\npositions: line\nevents: Ir\n"
    "summary: 6000012\n\nfn=(1) main\n0 6000012\n\ntotals: 6000012\n";
constexpr const char* kExitPart =
    "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 23771\n"
    "part: 2\ndesc: Trigger: Program termination\nevents: Ir\nsummary: 64895\n"
    "fn=(1) main\n0 64895\ntotals: 64895\n";

TEST(CallgrindTest, ParsesSummaryAndRecognisesTheWorkloadPart) {
  std::optional<CallgrindPart> workload = parseCallgrindPart(kWorkloadPart);
  ASSERT_TRUE(workload.has_value());
  EXPECT_EQ(workload->instructions, 6000012);
  EXPECT_TRUE(workload->is_workload);
  std::optional<CallgrindPart> exit_part = parseCallgrindPart(kExitPart);
  ASSERT_TRUE(exit_part.has_value());
  EXPECT_EQ(exit_part->instructions, 64895);
  EXPECT_FALSE(exit_part->is_workload);
  // Only totals: still read. Neither: no figure.
  EXPECT_EQ(parseCallgrindPart("events: Ir\ntotals: 42\n")->instructions, 42);
  EXPECT_FALSE(parseCallgrindPart("events: Ir\nfn=(1) main\n").has_value());
}

class CallgrindFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/opengns-bench-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(CallgrindFilesTest, CountsOnlyTheWorkloadWindowWhenMarked) {
  write("server.out", kExitPart);
  write("server.out.1", kWorkloadPart);
  write("client.out", "summary: 5\n");  // another process: never mixed in
  absl::StatusOr<CallgrindCount> count = readCallgrindCount(dir_ + "/server.out");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->instructions, 6000012);
  EXPECT_TRUE(count->workload_window);
}

TEST_F(CallgrindFilesTest, CountsTheWholeProcessWithoutMarkers) {
  write("client.out", "summary: 100\n");
  write("client.out.1", "summary: 23\n");
  absl::StatusOr<CallgrindCount> count = readCallgrindCount(dir_ + "/client.out");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->instructions, 123);
  EXPECT_FALSE(count->workload_window);
  EXPECT_FALSE(readCallgrindCount(dir_ + "/missing.out").ok());
}

absl::StatusOr<BenchOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "opengns-bench");
  return parseBenchOptions(static_cast<int>(args.size()), args.data());
}

TEST(OptionsTest, QuickMeansOneRunUnlessRunsIsGiven) {
  EXPECT_EQ(parse({})->runs, 5);
  EXPECT_EQ(parse({"--quick"})->runs, 1);
  EXPECT_EQ(parse({"--quick", "--runs", "3"})->runs, 3);
  EXPECT_EQ(parse({"--runs", "3", "--quick"})->runs, 3);
}

TEST(OptionsTest, RejectsBadValuesNamingTheFlag) {
  absl::StatusOr<BenchOptions> zero = parse({"--runs", "0"});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("--runs"), absl::string_view::npos);
  absl::StatusOr<BenchOptions> unknown = parse({"--only", "bulk,warp"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("warp"), absl::string_view::npos);
  EXPECT_FALSE(parse({"--json"}).ok());
  EXPECT_FALSE(parse({"--frobnicate"}).ok());
}

TEST(OptionsTest, OnlySelectsScenariosOrSingleVariants) {
  absl::StatusOr<BenchOptions> options = parse({"--only", "pingpong,bulk/64KiB", "--json", "x"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->json_path, "x");
  EXPECT_TRUE(caseSelected(options->only, "pingpong", "64B"));
  EXPECT_TRUE(caseSelected(options->only, "bulk", "64KiB"));
  EXPECT_FALSE(caseSelected(options->only, "bulk", "1200B"));
  EXPECT_FALSE(caseSelected(options->only, "lossy", "bulk-5pct"));
  EXPECT_TRUE(caseSelected({}, "lossy", "bulk-5pct"));
}

TEST(OptionsTest, WorkerModeCarriesItsArguments) {
  absl::StatusOr<BenchOptions> options =
      parse({"--worker", "client", "--lib", "enet", "--scenario", "bulk", "--variant", "1200B",
             "--port", "4242", "--quick"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->worker);
  EXPECT_EQ(options->worker_options.role, "client");
  EXPECT_EQ(options->worker_options.library, "enet");
  EXPECT_EQ(options->worker_options.port, 4242);
  EXPECT_TRUE(options->worker_options.quick);
  EXPECT_FALSE(parse({"--worker", "client", "--port", "70000"}).ok());
}

// The fixed names of the benchmark's definition (issue 6): other tools read them.
TEST(CatalogTest, RowsAreExactlyTheFixedScenarioVariantList) {
  std::vector<std::string> expected = {"bulk/1200B",
                                       "bulk/64KiB",
                                       "msgrate/reliable-nagle",
                                       "msgrate/reliable-nonagle",
                                       "msgrate/unreliable-nagle",
                                       "msgrate/unreliable-nonagle",
                                       "pingpong/64B",
                                       "pingpong/64B-p99",
                                       "connect/200-concurrent",
                                       "connect/1000-idle",
                                       "lossy/bulk-0pct",
                                       "lossy/bulk-5pct",
                                       "lossy/bulk-10pct",
                                       "lossy/bulk-20pct",
                                       "lossy/bulk-30pct",
                                       "lossy/latency-5pct",
                                       "instructions/64B-reliable"};
  std::vector<std::string> rows;
  for (const CaseSpec& spec : allCases()) {
    for (const RowSpec& row : spec.rows)
      rows.push_back(spec.scenario + "/" + row.variant);
  }
  EXPECT_EQ(rows, expected);
  const CaseSpec& pingpong = allCases()[6];
  ASSERT_EQ(pingpong.rows.size(), 2u);
  EXPECT_EQ(pingpong.rows[0].metric, "rtt_p50_us");
  EXPECT_EQ(pingpong.rows[1].metric, "rtt_p99_us");
}

TEST(CatalogTest, WorkloadsFollowTheDefinition) {
  for (const CaseSpec& spec : allCases()) {
    EXPECT_TRUE(workloadFor(spec.scenario, spec.variant, false).has_value()) << spec.variant;
    EXPECT_TRUE(workloadFor(spec.scenario, spec.variant, true).has_value()) << spec.variant;
  }
  EXPECT_FALSE(workloadFor("bulk", "1300B", false).has_value());
  EXPECT_FALSE(workloadFor("warp", "64B", false).has_value());

  Workload bulk = *workloadFor("bulk", "64KiB", false);
  EXPECT_EQ(bulk.message_bytes, 64 * 1024);
  EXPECT_DOUBLE_EQ(bulk.duration_s, 5.0);
  EXPECT_TRUE(bulk.reliable);
  Workload msgrate = *workloadFor("msgrate", "unreliable-nonagle", false);
  EXPECT_EQ(msgrate.message_bytes, 64);
  EXPECT_FALSE(msgrate.reliable);
  EXPECT_FALSE(msgrate.nagle);
  Workload pingpong = *workloadFor("pingpong", "64B", false);
  EXPECT_EQ(pingpong.message_count, 10'000);
  EXPECT_FALSE(pingpong.nagle);
  EXPECT_EQ(workloadFor("connect", "200-concurrent", false)->connections, 200);
  EXPECT_EQ(workloadFor("connect", "1000-idle", false)->connections, 1000);
  EXPECT_DOUBLE_EQ(workloadFor("lossy", "bulk-20pct", false)->loss_pct, 20);
  Workload latency = *workloadFor("lossy", "latency-5pct", false);
  EXPECT_DOUBLE_EQ(latency.loss_pct, 5);
  EXPECT_DOUBLE_EQ(latency.rate_per_s, 200);
  EXPECT_TRUE(latency.reliable);
  Workload instructions = *workloadFor("instructions", "64B-reliable", false);
  EXPECT_EQ(instructions.message_count, 20'000);
  EXPECT_TRUE(instructions.callgrind_window);
  // --quick is shorter, never longer.
  EXPECT_LT(workloadFor("bulk", "64KiB", true)->duration_s, bulk.duration_s);
}

TEST(MessageHeaderTest, RoundTripsAndRejectsShortMessages) {
  uint8_t buffer[64] = {};
  writeHeader(buffer, {MessageKind::kPing, 0x0102030405060708ULL, -5});
  MessageHeader header;
  ASSERT_TRUE(readHeader(buffer, &header));
  EXPECT_EQ(header.kind, MessageKind::kPing);
  EXPECT_EQ(header.sequence, 0x0102030405060708ULL);
  EXPECT_EQ(header.send_time_ns, -5);
  EXPECT_FALSE(readHeader(std::span<const uint8_t>(buffer, kMessageHeaderBytes - 1), &header));
}

}  // namespace
}  // namespace opengns::bench
