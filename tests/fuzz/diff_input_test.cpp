// fuzz_differential's input format, mutator and harness (fuzz/diff_*.h).
#include "fuzz/diff_input.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/diff_harness.h"
#include "fuzz/diff_mutator.h"

namespace ctc::fuzz {
namespace {

std::vector<uint8_t> canonical(std::span<const uint8_t> bytes) { return encode(decode(bytes)); }

TEST(DiffInput, TcpRecordDecodesFieldByField) {
  std::vector<uint8_t> bytes = {0x02, 0x21, 0x00, 0x00};  // snat-gateway, zones 2 and 3
  const std::vector<uint8_t> record = {0x00,              // TCP
                                       0x01,              // port 2, IPv4
                                       0x02,              // src 2 (172.16.0.1), dst 0 (10.0.0.1)
                                       0x02,              // sport 2 (80), dport 0 (40000)
                                       0x12,              // SYN|ACK
                                       0x00, 0x00, 0x13, 0x88,  // seq 5000
                                       0x00, 0x00, 0x03, 0xe9,  // ack 1001
                                       0x08, 0x00,              // window 2048
                                       0x17,                    // wscale 7, MSS
                                       0x00, 0x00,              // no payload
                                       0x00, 0x00};
  bytes.insert(bytes.end(), record.begin(), record.end());
  const Input in = decode(bytes);
  EXPECT_EQ(in.header.pipeline, PipelineKind::kSnatGateway);
  EXPECT_EQ(in.header.zone_index, 1);
  EXPECT_EQ(in.header.second_zone_index, 2);
  ASSERT_EQ(in.ops.size(), 1u);
  const Op& op = in.ops[0];
  EXPECT_EQ(op.kind, OpKind::kTcp);
  EXPECT_TRUE(op.to_port2);
  EXPECT_EQ(op.src, 2);
  EXPECT_EQ(op.dst, 0);
  EXPECT_EQ(port_number(op.sport), 80);
  EXPECT_EQ(port_number(op.dport), 40000);
  EXPECT_EQ(op.flags, 0x12);
  EXPECT_EQ(op.seq, 5000u);
  EXPECT_EQ(op.ack, 1001u);
  EXPECT_EQ(op.window, 2048);
  EXPECT_EQ(op.wscale, 7);
  EXPECT_TRUE(op.mss);
  EXPECT_EQ(encode(in), bytes);
}

TEST(DiffInput, ShortTailAndOpsBeyondSixtyFourAreIgnored) {
  EXPECT_TRUE(decode(std::vector<uint8_t>(kHeaderSize + kOpSize - 1, 0)).ops.empty());
  EXPECT_EQ(decode(std::vector<uint8_t>(kHeaderSize + 100 * kOpSize, 0)).ops.size(), 64u);
}

TEST(DiffInput, AdvanceAimsAtProfileTimeouts) {
  // linux established is 5 days (nf_conntrack_proto_tcp.c tcp_timeouts[]); nudge 4 is +1ns.
  const Op op{.kind = OpKind::kAdvance,
              .advance_mode = AdvanceMode::kTimeout,
              .timeout_index = 2,
              .nudge = 4};
  EXPECT_EQ(advance_duration(op, linux_profile()).ns, 5 * 86400 * 1'000'000'000LL + 1);
  const Op days{
      .kind = OpKind::kAdvance, .advance_mode = AdvanceMode::kDays, .amount = 10, .days = 2};
  EXPECT_EQ(advance_duration(days, linux_profile()), Duration::seconds(2 * 86400 + 10));
}

RC_GTEST_PROP(DiffInput, AnyBytesDecodeAndEncodeCanonically, (const std::vector<uint8_t>& bytes)) {
  const Input in = decode(bytes);
  RC_ASSERT(in.ops.size() <= kMaxOps);
  RC_ASSERT(decode(encode(in)) == in);
}

RC_GTEST_PROP(DiffMutator, MutantsStayCanonicalAndBounded,
              (const std::vector<uint8_t>& bytes, unsigned int seed)) {
  std::vector<uint8_t> start = canonical(bytes);
  const size_t max_size = kHeaderSize + 10 * kOpSize;
  if (start.size() > max_size) start.resize(max_size);
  start = canonical(start);
  std::vector<uint8_t> buf(max_size);
  std::copy(start.begin(), start.end(), buf.begin());
  const size_t n = mutate(buf.data(), start.size(), max_size, seed);
  RC_ASSERT(n <= max_size);
  const std::vector<uint8_t> out(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  RC_ASSERT(canonical(out) == out);
}

TEST(DiffMutator, CrossOverKeepsTheFirstPipeline) {
  Input a;
  a.header.pipeline = PipelineKind::kDnatBalancer;
  a.ops.assign(3, Op{.kind = OpKind::kUdp});
  Input b;
  b.ops.assign(3, Op{.kind = OpKind::kFlush});
  const auto ea = encode(a), eb = encode(b);
  std::vector<uint8_t> out(kHeaderSize + 64 * kOpSize);
  for (unsigned seed = 0; seed < 20; ++seed) {
    const size_t n = cross_over(ea, eb, out.data(), out.size(), seed);
    const Input x = decode({out.data(), n});
    EXPECT_EQ(x.header.pipeline, PipelineKind::kDnatBalancer);
    EXPECT_LE(x.ops.size(), 6u);
  }
}

TEST(DiffHarness, UnknownAdapterFallsBackToTheReference) {
  DiffHarness h("no-such-adapter");
  EXPECT_EQ(h.sut_id(), "reference");
}

// The reference against itself over the committed seeds: any disagreement is
// nondeterminism in the oracle, and a recorded run is a loadable scenario.
TEST(DiffHarness, ReferenceAgreesWithItselfOnTheSeeds) {
  DiffHarness h("reference");
  size_t runs = 0;
  for (const auto& e : std::filesystem::directory_iterator("corpora/fuzz/fuzz_differential")) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    Scenario recorded;
    const auto d = h.run(decode(bytes), &recorded);
    EXPECT_FALSE(d.has_value()) << e.path() << ": " << (d ? d->aspect : "");
    EXPECT_FALSE(recorded.steps.empty()) << e.path();
    ++runs;
  }
  EXPECT_GT(runs, 50u);
}

}  // namespace
}  // namespace ctc::fuzz
