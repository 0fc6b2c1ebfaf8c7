// The kernel-ovs agent's line protocol (adapters/kernel_ovs/agent_protocol.h):
// encoding, the INJECT reply, the barrier rule and the program rewrite.
#include "adapters/kernel_ovs/agent_protocol.h"

#include <gtest/gtest.h>

#include "adapters/ovs_userspace/ovs_probe.h"

namespace ctc::kernel_ovs {
namespace {

TEST(AgentProtocol, PlainWordsAreUnchanged) {
  EXPECT_EQ(escape_word("dpctl/dump-conntrack"), "dpctl/dump-conntrack");
  EXPECT_EQ(encode_line({"RUN", "ovs-appctl", "dpctl/show"}), "RUN ovs-appctl dpctl/show");
}

TEST(AgentProtocol, SpacesNewlinesAndPercentAreEscaped) {
  EXPECT_EQ(escape_word("a b\nc%"), "a%20b%0Ac%25");
  EXPECT_EQ(escape_word(std::string("\x7f\xff", 2)), "%7F%FF");
}

TEST(AgentProtocol, EmptyWordIsALonePercent) {
  EXPECT_EQ(escape_word(""), "%");
  EXPECT_EQ(encode_line({"OK", "0", "", ""}), "OK 0 % %");
  auto words = decode_line("OK 0 % %");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (std::vector<std::string>{"OK", "0", "", ""}));
}

TEST(AgentProtocol, LineRoundTripsAnyBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::vector<std::string> words = {"WRITE", "/tmp/flows.txt", all, "", "x y"};
  const std::string line = encode_line(words);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = decode_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, words);
}

TEST(AgentProtocol, TrailingCarriageReturnIsIgnored) {
  auto words = decode_line("OK 1\r");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (std::vector<std::string>{"OK", "1"}));
}

TEST(AgentProtocol, MalformedEscapesAreRejected) {
  EXPECT_FALSE(decode_line("OK %4").ok());
  EXPECT_FALSE(decode_line("OK %zz").ok());
  EXPECT_FALSE(decode_line("OK a%").ok());
  EXPECT_FALSE(decode_line(std::string("OK \x01", 4)).ok());
}

TEST(AgentProtocol, HexRoundTrip) {
  const std::vector<uint8_t> bytes = {0x00, 0x02, 0xc7, 0xff};
  EXPECT_EQ(to_hex(bytes), "0002c7ff");
  auto back = from_hex("0002C7ff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
  EXPECT_FALSE(from_hex("abc").ok());
  EXPECT_FALSE(from_hex("zz").ok());
}

TEST(AgentProtocol, PortFrameIsOfportColonHex) {
  EXPECT_EQ(encode_port_frame({65279, {0x02, 0xc7}}), "65279:02c7");
  auto f = decode_port_frame("2:0a0b");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->ofport, 2);
  EXPECT_EQ(f->bytes, (std::vector<uint8_t>{0x0a, 0x0b}));
  EXPECT_FALSE(decode_port_frame("0a0b").ok());
  EXPECT_FALSE(decode_port_frame("70000:00").ok());
  EXPECT_FALSE(decode_port_frame("x:00").ok());
}

TEST(AgentProtocol, InjectReplyRoundTrips) {
  const InjectReply reply{.rounds = 2, .frames = {{2, {1, 2, 3}}, {65279, {4}}}};
  const std::vector<std::string> words = encode_inject_reply(reply);
  EXPECT_EQ(words, (std::vector<std::string>{"2", "2:010203", "65279:04"}));
  auto back = decode_inject_reply(words);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rounds, 2);
  EXPECT_EQ(back->frames, reply.frames);
  EXPECT_FALSE(decode_inject_reply(std::vector<std::string>{}).ok());
  EXPECT_FALSE(decode_inject_reply(std::vector<std::string>{"two"}).ok());
}

TEST(AgentProtocol, BarrierWaitsForEveryRecirculationStarted) {
  // A pre copy without its probe copy: a recirculation is still queued.
  EXPECT_FALSE(barrier_settled({.rounds = 1, .pre_copies = 1, .probe_copies = 0}, 1, 8));
  EXPECT_TRUE(barrier_settled({.rounds = 2, .pre_copies = 1, .probe_copies = 1}, 1, 8));
  EXPECT_TRUE(barrier_settled({.rounds = 1, .pre_copies = 0, .probe_copies = 0}, 1, 8));
}

TEST(AgentProtocol, BarrierRunsAtLeastMinAndAtMostMaxRounds) {
  EXPECT_FALSE(barrier_settled({.rounds = 0, .pre_copies = 0, .probe_copies = 0}, 1, 8));
  EXPECT_FALSE(barrier_settled({.rounds = 2, .pre_copies = 0, .probe_copies = 0}, 3, 8));
  EXPECT_TRUE(barrier_settled({.rounds = 8, .pre_copies = 3, .probe_copies = 0}, 1, 8));
}

TEST(AgentProtocol, PreCopyGoesBeforeEveryProbedCt) {
  const std::string flows =
      "table=0,ip,actions=ct(table=253,zone=1)\n"
      "table=1,ip,actions=ct(commit,zone=1),output:2\n"
      "table=2,ip,actions=ct(zone=2,nat(src=1.1.1.1),table=252),ct_clear\n";
  const std::string copy = "clone(set_field:02:c7:c7:01:00:00->eth_dst,output:65279),";
  EXPECT_EQ(add_barrier_copies(flows, {253, 252}),
            "table=0,ip,actions=" + copy + "ct(table=253,zone=1)\n" +
                "table=1,ip,actions=ct(commit,zone=1),output:2\n" + "table=2,ip,actions=" + copy +
                "ct(zone=2,nat(src=1.1.1.1),table=252),ct_clear\n");
}

TEST(AgentProtocol, CtWithoutAProbeTableGetsNoPreCopy) {
  const std::string flows = "table=0,actions=ct(table=1,zone=1),fct(table=253)\n";
  EXPECT_EQ(add_barrier_copies(flows, {253}), flows);
}

TEST(AgentProtocol, ProbePortFramesAreToldApart) {
  std::vector<uint8_t> pre = {0x02, 0xc7, 0xc7, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 1, 0x08, 0x00};
  std::vector<uint8_t> probe = {0x02, 0xc7, 0xc7, 0x00, 0x01, 0x21, 0, 0, 0, 0, 0, 1, 0x08, 0x00};
  EXPECT_TRUE(is_pre_probe_frame(pre));
  EXPECT_FALSE(is_probe_frame(pre));
  EXPECT_TRUE(is_probe_frame(probe));
  EXPECT_FALSE(is_pre_probe_frame(probe));
  EXPECT_FALSE(is_pre_probe_frame(marker_frame(1)));
  EXPECT_FALSE(is_probe_frame(marker_frame(1)));
}

}  // namespace
}  // namespace ctc::kernel_ovs
