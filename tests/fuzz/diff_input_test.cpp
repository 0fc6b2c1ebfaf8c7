// fuzz_differential's input format, mutator and harness (fuzz/diff_*.h).
#include "fuzz/diff_input.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/diff_frames.h"
#include "fuzz/diff_harness.h"
#include "fuzz/diff_mutator.h"
#include "reference/packet/packet_builder.h"

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

TEST(FrameCache, GivesTheBuiltFrameAndBuildsItOnce) {
  Header header;
  header.pipeline = PipelineKind::kSnatGateway;
  const PipelineSpec spec = pipeline_spec(header);
  const Op syn{.kind = OpKind::kTcp, .src = 0, .dst = 2, .sport = 0, .dport = 2, .payload = 3,
               .flags = tcp_flag::kSyn, .seq = 1000, .window = 512};
  const std::vector<uint8_t> built = serialize_frame(*build_packet(syn, spec, {}));
  FrameCache cache;
  const std::span<const uint8_t> first = cache.frame(header, spec, syn);
  EXPECT_EQ(std::vector<uint8_t>(first.begin(), first.end()), built);
  EXPECT_EQ(cache.frame(header, spec, syn).data(), first.data());  // not built again
  EXPECT_EQ(cache.size(), 1u);

  // The same op under another header is another frame (here: IPv6 NAT address).
  Header other = header;
  other.nat_address = 2;
  Op v6 = syn;
  v6.ipv6 = true;
  const std::span<const uint8_t> under_other = cache.frame(other, pipeline_spec(other), v6);
  EXPECT_EQ(std::vector<uint8_t>(under_other.begin(), under_other.end()),
            serialize_frame(*build_packet(v6, pipeline_spec(other), {})));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(FrameCache, EmptiesOnlyWhenFullAtTheStartOfARun) {
  const Header header;
  const PipelineSpec spec = pipeline_spec(header);
  FrameCache cache(2);
  cache.frame(header, spec, Op{.kind = OpKind::kUdp, .sport = 1});
  cache.start_run();
  EXPECT_EQ(cache.size(), 1u);
  cache.frame(header, spec, Op{.kind = OpKind::kUdp, .sport = 2});
  cache.frame(header, spec, Op{.kind = OpKind::kUdp, .sport = 3});
  EXPECT_EQ(cache.size(), 3u);  // never emptied mid-run: earlier frames stay valid
  cache.start_run();
  EXPECT_EQ(cache.size(), 0u);
}

// An ICMP error quoting an earlier frame builds that frame's packet on
// demand, from its op and its own history: the same bytes as when the
// packet is kept from the start, also for an error quoting an error.
TEST(DiffFrames, QuotedPacketsAreRebuiltExactly) {
  const Header header;
  const PipelineSpec spec = pipeline_spec(header);
  const std::vector<Op> ops = {
      Op{.kind = OpKind::kTcp, .src = 0, .dst = 2, .sport = 0, .dport = 2, .payload = 10,
         .flags = tcp_flag::kSyn, .seq = 7, .window = 100, .wscale = 3, .mss = true},
      Op{.kind = OpKind::kIcmpError, .src = 4, .dst = 0, .to_quoted_source = true,
         .error_kind = IcmpErrorKind::kTimeExceeded, .quote_all = true},
      Op{.kind = OpKind::kIcmpError, .src = 4, .dst = 2, .error_kind = IcmpErrorKind::kUnreachable,
         .quote_back = 0, .corruption = QuoteCorruption::kSwapAddresses},
      Op{.kind = OpKind::kIcmpError, .bad_l4_checksum = true, .src = 4, .dst = 2,
         .quote_back = 2, .corruption = QuoteCorruption::kXorByte, .corrupt_at = 30,
         .corrupt_with = 0x55}};
  std::vector<SentFrame> lazy, eager;
  for (const Op& op : ops) {
    const auto from_lazy = build_packet(op, spec, lazy);
    const auto from_eager = build_packet(op, spec, eager);
    ASSERT_TRUE(from_lazy && from_eager);
    EXPECT_EQ(serialize_frame(*from_lazy), serialize_frame(*from_eager));
    lazy.push_back(SentFrame{.op = &op, .earlier = lazy.size()});
    eager.push_back(SentFrame{.op = &op, .earlier = eager.size(), .injected = *from_eager});
  }
  EXPECT_TRUE(lazy[0].injected.has_value());  // quoted, so built
  EXPECT_TRUE(lazy[1].injected.has_value());
  EXPECT_FALSE(lazy[3].injected.has_value());  // never quoted
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
