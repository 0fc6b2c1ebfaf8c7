// The reference conntrack core, one behaviour per test, each stating the
// expected ct_state explicitly, for both profiles where they differ.
#include "reference/conntrack/conntrack.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

using namespace tcp_flag;

const IpAddress kClient = IpAddress::v4(10, 0, 0, 1);
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);
const IpAddress kRouter = IpAddress::v4(10, 0, 0, 254);
const IpAddress kPublic = IpAddress::v4(192, 0, 2, 1);

CtState S(uint8_t bits) { return CtState(bits); }
constexpr uint8_t kTrk = CtState::kTrk, kNew = CtState::kNew, kEst = CtState::kEst,
                  kRel = CtState::kRel, kRpl = CtState::kRpl, kInv = CtState::kInv,
                  kSnat = CtState::kSnat, kDnat = CtState::kDnat;

Packet tcp(const IpAddress& src, uint16_t sport, const IpAddress& dst, uint16_t dport, uint8_t flags,
           uint32_t seq, uint32_t ack = 0, size_t len = 0) {
  PacketBuilder b;
  b.ip(src, dst).tcp(sport, dport, flags, seq, ack, 65535);
  if (len) b.payload_size(len);
  return b.packet();
}

Packet udp(const IpAddress& src, uint16_t sport, const IpAddress& dst, uint16_t dport) {
  return PacketBuilder().ip(src, dst).udp(sport, dport).payload_size(10).packet();
}

Packet echo_request(const IpAddress& src, const IpAddress& dst, uint16_t id) {
  return PacketBuilder().ip(src, dst).icmp_echo_request(id, 1).packet();
}
Packet echo_reply(const IpAddress& src, const IpAddress& dst, uint16_t id) {
  return PacketBuilder().ip(src, dst).icmp_echo_reply(id, 1).packet();
}

// What the wire would carry: builder output parsed back, checksums verified.
Packet wire(const Packet& p) { return parse_frame(serialize_frame(p)).value(); }

class ConntrackTest : public ::testing::TestWithParam<const Profile*> {
 protected:
  ConntrackTest() : ct_(ConntrackOptions{GetParam()}) {}
  const Profile& profile() const { return *GetParam(); }
  bool is_linux() const { return profile().name == "linux"; }

  CtState run(Packet p, CtRequest request = {}) {
    PacketCtMetadata md;
    ct_.execute(p, request, now_, md);
    last_ = std::move(p);
    last_md_ = md;
    return md.state;
  }
  CtState commit(Packet p, uint16_t zone = 0) {
    return run(std::move(p), CtRequest{.zone = Zone{zone}, .commit = true});
  }

  void handshake() {
    ASSERT_EQ(commit(tcp(kClient, 40000, kServer, 80, kSyn, 1000)), S(kTrk | kNew));
    ASSERT_EQ(commit(tcp(kServer, 80, kClient, 40000, kSyn | kAck, 5000, 1001)), S(kTrk | kEst | kRpl));
    ASSERT_EQ(commit(tcp(kClient, 40000, kServer, 80, kAck, 1001, 5001)), S(kTrk | kEst));
  }

  Conntrack ct_;
  Timestamp now_;
  Packet last_;
  PacketCtMetadata last_md_;
};

TEST_P(ConntrackTest, TcpHandshakeIsNewThenReplyThenEstablished) {
  handshake();
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].original.src, kClient);
  EXPECT_EQ(rows[0].reply.src, kServer);
  EXPECT_EQ(rows[0].protocol_state, is_linux() ? "ESTABLISHED" : "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(rows[0].remaining, profile().timeouts.tcp.established);
  EXPECT_TRUE(rows[0].seen_reply);
}

TEST_P(ConntrackTest, LookupWithoutCommitLeavesNoEntry) {
  EXPECT_EQ(run(tcp(kClient, 40000, kServer, 80, kSyn, 1000)), S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_).size(), 0u);
  // The reply to an uncommitted SYN finds nothing: SYN+ACK cannot open a connection.
  EXPECT_EQ(run(tcp(kServer, 80, kClient, 40000, kSyn | kAck, 5000, 1001)), S(kTrk | kInv));
}

TEST_P(ConntrackTest, SynRetransmitBeforeReplyIsNew) {
  commit(tcp(kClient, 40000, kServer, 80, kSyn, 1000));
  // Linux: IP_CT_NEW until a reply is seen; OVS: CT_UPDATE_VALID_NEW for a SYN
  // while the sender is not past SYN_SENT.
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kSyn, 1000)), S(kTrk | kNew));
}

TEST_P(ConntrackTest, AckBeforeReplyIsInvalidOnLinuxEstablishedOnOvs) {
  commit(tcp(kClient, 40000, kServer, 80, kSyn, 1000));
  // Linux tcp_conntracks[ORIGINAL][ack][SYN_SENT] is sIV; OVS marks every later
  // TCP packet +est (conn_update_state, CT_UPDATE_VALID; measured on OVS 3.1).
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kAck, 1001, 0)),
            is_linux() ? S(kTrk | kInv) : S(kTrk | kEst));
}

TEST_P(ConntrackTest, UdpRepeatBeforeReplyIsNewInBothProfiles) {
  commit(udp(kClient, 5000, kServer, 53));
  EXPECT_EQ(commit(udp(kClient, 5000, kServer, 53)), S(kTrk | kNew));
  EXPECT_EQ(commit(echo_request(kClient, kServer, 3)), S(kTrk | kNew));
  EXPECT_EQ(commit(echo_request(kClient, kServer, 3)), S(kTrk | kNew));
}

TEST_P(ConntrackTest, SimultaneousOpenReplySynDependsOnProfile) {
  commit(tcp(kClient, 40000, kServer, 80, kSyn, 1000));
  // Linux: SYN_SENT -> SYN_SENT2, the reply is +est+rpl. OVS: VALID_NEW, +new only.
  EXPECT_EQ(commit(tcp(kServer, 80, kClient, 40000, kSyn, 5000)),
            is_linux() ? S(kTrk | kEst | kRpl) : S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_)[0].protocol_state, is_linux() ? "SYN_SENT2" : "SYN_SENT/SYN_SENT");
}

TEST_P(ConntrackTest, SynAckFirstIsInvalid) {
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kSyn | kAck, 1000, 1)), S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kTcpSynAckFirst);
}

TEST_P(ConntrackTest, InvalidTcpFlagsAreInvalid) {
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kSyn | kFin, 1000)), S(kTrk | kInv));
  EXPECT_EQ(commit(tcp(kClient, 40001, kServer, 80, kSyn | kRst, 1000)), S(kTrk | kInv));
  EXPECT_EQ(ct_.dump(now_).size(), 0u);
}

TEST_P(ConntrackTest, OutOfWindowDataIsInvalidAndLeavesStateAlone) {
  handshake();
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kAck, 1001 + 0x40000000u, 5001, 10)),
            S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kTcpOutOfWindow);
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kAck, 1001, 5001, 10)), S(kTrk | kEst));
}

TEST_P(ConntrackTest, BadChecksumIsInvalid) {
  Packet p = tcp(kClient, 40000, kServer, 80, kSyn, 1000);
  std::get<TcpHeader>(p.l4).checksum = 0x1234;
  EXPECT_EQ(commit(wire(p)), S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kBadL4Checksum);
}

TEST_P(ConntrackTest, UdpUnrepliedThenRepliedTimeouts) {
  EXPECT_EQ(commit(udp(kClient, 5000, kServer, 53)), S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_)[0].remaining, profile().timeouts.udp_first);
  now_ = now_ + Duration::seconds(1);
  EXPECT_EQ(commit(udp(kServer, 53, kClient, 5000)), S(kTrk | kEst | kRpl));
  EXPECT_EQ(ct_.dump(now_)[0].remaining, profile().timeouts.udp_replied);
  now_ = now_ + Duration::seconds(2);
  EXPECT_EQ(commit(udp(kClient, 5000, kServer, 53)), S(kTrk | kEst));
  // Linux udp_packet: replied and older than 2 s is a stream: 120 s. OVS BIDIR: 30 s.
  EXPECT_EQ(ct_.dump(now_)[0].remaining, Duration::seconds(is_linux() ? 120 : 30));
}

TEST_P(ConntrackTest, ExpiryHappensExactlyAtTheTimeout) {
  commit(udp(kClient, 5000, kServer, 53));
  now_ = now_ + profile().timeouts.udp_first - Duration::millis(1);
  EXPECT_EQ(ct_.dump(now_).size(), 1u);
  now_ = now_ + Duration::millis(1);
  EXPECT_EQ(ct_.dump(now_).size(), 0u);
  EXPECT_EQ(run(udp(kServer, 53, kClient, 5000)), S(kTrk | kNew));
}

TEST_P(ConntrackTest, IcmpEchoRequestAndReply) {
  EXPECT_EQ(commit(echo_request(kClient, kServer, 7)), S(kTrk | kNew));
  EXPECT_EQ(commit(echo_reply(kServer, kClient, 7)), S(kTrk | kEst | kRpl));
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].original.icmp_type, 8);
  EXPECT_EQ(rows[0].reply.icmp_type, 0);
  EXPECT_EQ(rows[0].remaining, profile().timeouts.icmp_reply);
}

TEST_P(ConntrackTest, IcmpEchoReplyFirstIsInvalid) {
  EXPECT_EQ(commit(echo_reply(kServer, kClient, 7)), S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kIcmpNotTrackable);
}

TEST_P(ConntrackTest, IcmpErrorQuotingTrackedConnectionIsRelatedReply) {
  const Packet query = udp(kClient, 5000, kServer, 53);
  commit(query);
  Packet error = PacketBuilder().ip(kServer, kClient).icmp_error(3, 3, query).packet();
  EXPECT_EQ(commit(error), S(kTrk | kRel | kRpl));
  // RELATED errors neither refresh nor answer the connection.
  EXPECT_FALSE(ct_.dump(now_)[0].seen_reply);
}

TEST_P(ConntrackTest, IcmpErrorQuotingNothingIsInvalid) {
  Packet error =
      PacketBuilder().ip(kServer, kClient).icmp_error(3, 3, udp(kClient, 5000, kServer, 53)).packet();
  EXPECT_EQ(commit(error), S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kIcmpErrorUnrelated);
}

TEST_P(ConntrackTest, IcmpErrorFromRouterToOtherHostDependsOnProfile) {
  const Packet query = udp(kClient, 5000, kServer, 53);
  commit(query);
  // The error goes to kPublic, not to the quoted packet's sender: OVS checks
  // inner source == outer destination, Linux does not.
  Packet error = PacketBuilder().ip(kRouter, kPublic).icmp_error(11, 0, query).packet();
  EXPECT_EQ(commit(error), is_linux() ? S(kTrk | kRel | kRpl) : S(kTrk | kInv));
}

TEST_P(ConntrackTest, ZonesAreIndependent) {
  commit(udp(kClient, 5000, kServer, 53), 1);
  EXPECT_EQ(run(udp(kServer, 53, kClient, 5000), CtRequest{.zone = Zone{2}}), S(kTrk | kNew));
  EXPECT_EQ(run(udp(kServer, 53, kClient, 5000), CtRequest{.zone = Zone{1}}), S(kTrk | kEst | kRpl));
  EXPECT_EQ(last_md_.zone, Zone{1});
}

TEST_P(ConntrackTest, MarkAndLabelAreMaskedOnCommit) {
  CtRequest r{.commit = true, .set_mark = 0x00ff, .mark_mask = 0xffff,
              .set_label = CtLabel{1, 0x10}, .label_mask = CtLabel{UINT64_MAX, 0xf0}};
  run(udp(kClient, 5000, kServer, 53), r);
  EXPECT_EQ(last_md_.mark, 0x00ffu);
  EXPECT_EQ(last_md_.label, (CtLabel{1, 0x10}));
  r.set_mark = 0xab00;
  r.mark_mask = 0xff00;
  run(udp(kClient, 5000, kServer, 53), r);
  EXPECT_EQ(last_md_.mark, 0xabffu);
  EXPECT_EQ(ct_.dump(now_)[0].mark, 0xabffu);
}

TEST_P(ConntrackTest, SnatRoundTripRewritesBothDirections) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  CtRequest r{.commit = true, .nat = true, .nat_range = range};
  EXPECT_EQ(run(udp(kClient, 5000, kServer, 53), r), S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.ip->src, kPublic);
  EXPECT_EQ(last_.udp()->src_port, 5000);
  // The reply comes back to the public address and is un-NATed to the client.
  EXPECT_EQ(run(udp(kServer, 53, kPublic, 5000), CtRequest{.nat = true}), S(kTrk | kEst | kRpl | kDnat));
  EXPECT_EQ(last_.ip->dst, kClient);
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].snat);
  EXPECT_EQ(rows[0].reply.dst, kPublic);
}

TEST_P(ConntrackTest, DnatRoundTripRewritesBothDirections) {
  const IpAddress backend = IpAddress::v4(10, 1, 0, 5);
  const NatRange range{.kind = NatRange::Kind::kDst, .min_addr = backend, .max_addr = backend,
                       .min_port = 8080, .max_port = 8080};
  // Kernel OVS adds a null SNAT binding after a DNAT in the original direction: +snat too.
  EXPECT_EQ(run(tcp(kClient, 40000, kPublic, 80, kSyn, 1), CtRequest{.commit = true, .nat = true, .nat_range = range}),
            is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));
  EXPECT_EQ(last_.ip->dst, backend);
  EXPECT_EQ(last_.tcp()->dst_port, 8080);
  EXPECT_EQ(run(tcp(backend, 8080, kClient, 40000, kSyn | kAck, 100, 2), CtRequest{.nat = true}),
            S(kTrk | kEst | kRpl | kSnat));
  EXPECT_EQ(last_.ip->src, kPublic);
  EXPECT_EQ(last_.tcp()->src_port, 80);
}

TEST_P(ConntrackTest, SnatPortCollisionPicksNextPortInRange) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic,
                       .min_port = 1000, .max_port = 1001};
  CtRequest r{.commit = true, .nat = true, .nat_range = range};
  run(udp(kClient, 5000, kServer, 53), r);
  EXPECT_EQ(last_.udp()->src_port, 1000);
  run(udp(kRouter, 5000, kServer, 53), r);
  EXPECT_EQ(last_.udp()->src_port, 1001);
  // Exhausted: nothing is committed; Linux drops the packet, OVS lets it go
  // on untranslated (conn_not_found(): nat_res_exhaustion).
  run(udp(kPublic, 6000, kServer, 53), r);
  EXPECT_EQ(last_md_.drop_packet, is_linux());
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kNatExhausted);
  EXPECT_EQ(ct_.dump(now_).size(), 2u);
}

TEST_P(ConntrackTest, SnatWithoutPortRangeWalksUpFromTheOriginalPort) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  CtRequest r{.commit = true, .nat = true, .nat_range = range};
  run(udp(kClient, 40000, kServer, 53), r);
  EXPECT_EQ(last_.udp()->src_port, 40000);
  run(udp(kRouter, 40000, kServer, 53), r);
  EXPECT_EQ(last_.udp()->src_port, 40001);
  // A port in the 600-1023 class stays in that class, wrapping to its low end.
  run(udp(kClient, 1023, kServer, 53), r);
  run(udp(kRouter, 1023, kServer, 53), r);
  EXPECT_EQ(last_.udp()->src_port, 600);
}

TEST_P(ConntrackTest, IcmpErrorThroughSnatRewritesQuotedPacket) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  Packet query = udp(kClient, 5000, kServer, 53);
  run(query, CtRequest{.commit = true, .nat = true, .nat_range = range});
  const Packet translated = last_;  // what the server received
  Packet error = PacketBuilder().ip(kServer, kPublic).icmp_error(3, 3, translated).packet();
  EXPECT_EQ(run(wire(error), CtRequest{.nat = true}), S(kTrk | kRel | kRpl | kDnat));
  EXPECT_EQ(last_.ip->dst, kClient);
  auto quoted = parse_quoted_packet(wire(last_));
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->ip->src, kClient);
  EXPECT_EQ(quoted->udp()->src_port, 5000);
}

TEST_P(ConntrackTest, FlushAllZoneAndTuple) {
  commit(udp(kClient, 5000, kServer, 53), 1);
  commit(udp(kClient, 5001, kServer, 53), 2);
  commit(udp(kClient, 5002, kServer, 53), 2);
  ct_.flush_zone(Zone{1});
  EXPECT_EQ(ct_.dump(now_).size(), 2u);
  Tuple t{.src = kServer, .dst = kClient, .protocol = ip_proto::kUdp, .src_port = 53, .dst_port = 5001};
  EXPECT_TRUE(ct_.flush_tuple(Zone{2}, t));  // by its reply tuple
  EXPECT_EQ(ct_.dump(now_).size(), 1u);
  ct_.flush();
  EXPECT_EQ(ct_.dump(now_).size(), 0u);
}

TEST_P(ConntrackTest, ZoneLimitStopsTheThirdCommit) {
  ct_.set_zone_limit(Zone{1}, 2);
  commit(udp(kClient, 5000, kServer, 53), 1);
  commit(udp(kClient, 5001, kServer, 53), 1);
  EXPECT_EQ(commit(udp(kClient, 5002, kServer, 53), 1), S(kTrk | kNew));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kZoneLimit);
  // Linux (kernel OVS) drops the packet; OVS userspace lets it go on uncommitted.
  EXPECT_EQ(last_md_.drop_packet, is_linux());
  EXPECT_EQ(ct_.dump(now_).size(), 2u);
  EXPECT_EQ(commit(udp(kClient, 5002, kServer, 53), 2), S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_).size(), 3u);
}

TEST_P(ConntrackTest, ForceRestartsConnectionSeenInReplyDirection) {
  commit(udp(kClient, 5000, kServer, 53));
  EXPECT_EQ(run(udp(kServer, 53, kClient, 5000), CtRequest{.commit = true, .force = true}),
            S(kTrk | kNew));
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].original.src, kServer);
}

TEST_P(ConntrackTest, SecondCtInSameZoneReusesTheLookup) {
  Packet syn = tcp(kClient, 40000, kServer, 80, kSyn, 1000);
  PacketCtMetadata md;
  ct_.execute(syn, CtRequest{.commit = true}, now_, md);
  ct_.execute(syn, CtRequest{.commit = true}, now_, md);
  // Cached: the state is still the first lookup's, and the SYN was tracked once.
  EXPECT_EQ(md.state, S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_)[0].protocol_state, is_linux() ? "SYN_SENT" : "SYN_SENT/CLOSED");
}

TEST_P(ConntrackTest, PortZeroDependsOnProfile) {
  EXPECT_EQ(commit(udp(kClient, 0, kServer, 53)), is_linux() ? S(kTrk | kNew) : S(kTrk | kInv));
}

TEST_P(ConntrackTest, TimeWaitSynStartsANewConnection) {
  handshake();
  commit(tcp(kClient, 40000, kServer, 80, kFin | kAck, 1001, 5001));
  commit(tcp(kServer, 80, kClient, 40000, kFin | kAck, 5001, 1002));
  commit(tcp(kClient, 40000, kServer, 80, kAck, 1002, 5002));
  // OVS stops at FIN_WAIT_2 on both sides after the last ACK (measured on OVS
  // 3.1: state_orig=FIN_WAIT_2,state_reply=FIN_WAIT_2,timeout=30).
  EXPECT_EQ(ct_.dump(now_)[0].protocol_state, is_linux() ? "TIME_WAIT" : "FIN_WAIT_2/FIN_WAIT_2");
  EXPECT_EQ(ct_.dump(now_)[0].remaining, Duration::seconds(is_linux() ? 120 : 30));
  EXPECT_EQ(commit(tcp(kClient, 40000, kServer, 80, kSyn, 900000)), S(kTrk | kNew));
  EXPECT_EQ(ct_.dump(now_)[0].protocol_state, is_linux() ? "SYN_SENT" : "SYN_SENT/CLOSED");
}

TEST_P(ConntrackTest, FragmentsAreNotTracked) {
  Packet p = PacketBuilder().ip(kClient, kServer).ipv4_fragment(0, true, 9).udp(5000, 53).payload_size(16).packet();
  EXPECT_EQ(commit(p), S(kTrk | kInv));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kFragment);
}

TEST_P(ConntrackTest, Ipv6TcpHandshake) {
  const IpAddress a = IpAddress::parse("fd00::1").value(), b = IpAddress::parse("fd00::2").value();
  EXPECT_EQ(commit(tcp(a, 1234, b, 80, kSyn, 1)), S(kTrk | kNew));
  EXPECT_EQ(commit(tcp(b, 80, a, 1234, kSyn | kAck, 50, 2)), S(kTrk | kEst | kRpl));
  EXPECT_EQ(commit(tcp(a, 1234, b, 80, kAck, 2, 51)), S(kTrk | kEst));
}

// OVS process_one() runs handle_nat() after conn_update_state() whatever the
// update said: a segment its TCP tracker rejects still leaves translated.
// Linux attaches no entry to an INVALID packet, so nothing is translated.
TEST_P(ConntrackTest, OutOfWindowReplyThroughSnatIsTranslatedOnlyOnOvs) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  const CtRequest lookup{.nat = true};
  ASSERT_EQ(run(tcp(kClient, 40000, kServer, 80, kSyn, 0), open), S(kTrk | kNew | kSnat));
  ASSERT_EQ(run(tcp(kServer, 80, kPublic, 40000, kSyn | kAck, 0, 1), lookup),
            S(kTrk | kEst | kRpl | kDnat));
  ASSERT_EQ(run(tcp(kClient, 40000, kServer, 80, kAck, 1, 1), lookup), S(kTrk | kEst | kSnat));
  // Far beyond anything the client's 65535-byte window allows.
  const CtState state = run(tcp(kServer, 80, kPublic, 40000, kAck | kPsh, 1'000'000, 1, 10), lookup);
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kTcpOutOfWindow);
  if (is_linux()) {
    EXPECT_EQ(state, S(kTrk | kInv));
    EXPECT_EQ(last_.ip->dst, kPublic);
  } else {
    EXPECT_EQ(state, S(kTrk | kInv | kDnat));
    EXPECT_EQ(last_.ip->dst, kClient);
  }
}

// OVS extract_l4_icmp6() looks the quoted TCP header up with no shorter
// length allowed (extract_l4_tcp(): TCP_HEADER_LEN, 20 bytes), while ICMPv4
// errors need ICMP_ERROR_DATA_L4_LEN (8). Linux reads only the ports.
TEST_P(ConntrackTest, Icmpv6ErrorQuotingEightBytesOfTcpIsRelatedOnlyOnLinux) {
  const IpAddress a = IpAddress::parse("fd00:1::1").value(), b = IpAddress::parse("fd00:2::1").value();
  const Packet syn = tcp(a, 40000, b, 443, kSyn, 0);
  ASSERT_EQ(commit(syn), S(kTrk | kNew));
  ASSERT_EQ(commit(tcp(b, 443, a, 40000, kSyn | kAck, 0, 1)), S(kTrk | kEst | kRpl));
  // b answers a's segment with port unreachable, quoting 8 bytes of its TCP header.
  const Packet short_quote = PacketBuilder().ip(b, a).icmp_error(1, 4, syn, 8).packet();
  EXPECT_EQ(commit(wire(short_quote)), is_linux() ? S(kTrk | kRel | kRpl) : S(kTrk | kInv));
  if (!is_linux()) {
    EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kIcmpErrorBadQuote);
  }
  const Packet full_quote = PacketBuilder().ip(b, a).icmp_error(1, 4, syn, 20).packet();
  EXPECT_EQ(commit(wire(full_quote)), S(kTrk | kRel | kRpl));
}

TEST_P(ConntrackTest, IcmpErrorQuotingEightBytesOfTcpOverIpv4IsRelated) {
  const Packet syn = tcp(kClient, 40000, kServer, 80, kSyn, 0);
  ASSERT_EQ(commit(syn), S(kTrk | kNew));
  ASSERT_EQ(commit(tcp(kServer, 80, kClient, 40000, kSyn | kAck, 0, 1)), S(kTrk | kEst | kRpl));
  const Packet error = PacketBuilder().ip(kServer, kClient).icmp_error(3, 3, syn, 8).packet();
  EXPECT_EQ(commit(wire(error)), S(kTrk | kRel | kRpl));
}

// OVS tcp_conn_update(): the loose branch (here: a picked-up connection whose
// server never answered, the client's next segment beyond the first's end)
// calls no conn_update_expiration(): the timer set by the first packet runs on.
TEST_P(ConntrackTest, LoosePacketAfterPickupLeavesTheTimerAloneOnOvs) {
  ASSERT_EQ(commit(tcp(kClient, 40000, kServer, 80, kAck | kPsh, 1001, 5001, 100)), S(kTrk | kNew));
  now_ = now_ + Duration::seconds(20);
  const CtState second = commit(tcp(kClient, 40000, kServer, 80, kAck | kPsh, 1101, 5001, 100));
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 1u);
  if (is_linux()) {
    EXPECT_EQ(second, S(kTrk | kNew));  // IP_CT_NEW until a reply
  } else {
    EXPECT_EQ(second, S(kTrk | kEst));
    EXPECT_EQ(rows[0].remaining, Duration::seconds(10));  // 30 s from the first packet
    now_ = now_ + Duration::seconds(10);
    EXPECT_TRUE(ct_.dump(now_).empty());
  }
}

// A one-port SNAT range already taken. Linux drops the packet; OVS
// conn_not_found() returns no connection and the packet goes on +new,
// untranslated. Neither commits.
TEST_P(ConntrackTest, SnatExhaustionDropsOnLinuxForwardsUntranslatedOnOvs) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic,
                       .min_port = 1024, .max_port = 1024};
  const CtRequest r{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(tcp(kClient, 40000, kServer, 53, kSyn, 1000), r), S(kTrk | kNew | kSnat));
  EXPECT_EQ(run(tcp(kClient, 40001, kServer, 53, kSyn, 0), r), S(kTrk | kNew));
  EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kNatExhausted);
  EXPECT_EQ(last_md_.drop_packet, is_linux());
  EXPECT_EQ(last_.ip->src, kClient);
  EXPECT_EQ(last_.tcp()->src_port, 40001);
  EXPECT_EQ(ct_.dump(now_).size(), 1u);
}

// OVS nat_get_unique_tuple(): a DNAT whose destinations are all taken moves
// the source port, walking up from the original one. Kernel OVS does too,
// through the null SRC binding after the DNAT (ovs_ct_nat(), Linux 6.1), from
// a random offset where the oracle walks up; it reports +snat+dnat both ways
// because both manipulations run (ovs_nat_update_key() per manip type).
TEST_P(ConntrackTest, DnatWithEveryDestinationTakenMovesTheSourcePort) {
  const IpAddress vip = IpAddress::v4(198, 51, 100, 11), backend = IpAddress::v4(192, 0, 2, 1);
  const NatRange range{.kind = NatRange::Kind::kDst, .min_addr = backend, .max_addr = backend,
                       .min_port = 1024, .max_port = 1024};
  const CtRequest r{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(tcp(kClient, 40003, vip, 443, kSyn, 1000), r),
            is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));
  const CtState second = run(tcp(kClient, 40003, vip, 22, kSyn, 0), r);
  EXPECT_EQ(second, is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));
  EXPECT_FALSE(last_md_.drop_packet);
  EXPECT_EQ(last_.ip->dst, backend);
  EXPECT_EQ(last_.tcp()->dst_port, 1024);
  EXPECT_EQ(last_.tcp()->src_port, 40004);
  // The answer comes back to the moved port and leaves as the virtual IP's port 22.
  EXPECT_EQ(run(tcp(backend, 1024, kClient, 40004, kSyn | kAck, 0, 1), CtRequest{.nat = true}),
            is_linux() ? S(kTrk | kEst | kRpl | kSnat | kDnat) : S(kTrk | kEst | kRpl | kSnat));
  EXPECT_EQ(last_.ip->src, vip);
  EXPECT_EQ(last_.tcp()->src_port, 22);
  EXPECT_EQ(last_.tcp()->dst_port, 40003);
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 2u);
  // Sorted by original tuple: the port-22 connection first. Its moved source
  // port shows as source NAT.
  ASSERT_EQ(rows[0].original.dst_port, 22);
  EXPECT_TRUE(rows[0].snat && rows[0].dnat);
  EXPECT_FALSE(rows[1].snat);
}

// Kernel OVS reuses a connection's NAT for a plain `nat` only once the
// packet is past IP_CT_NEW (Linux 6.1 net/openvswitch/conntrack.c
// ovs_ct_nat(): "ctinfo != IP_CT_NEW && ct->status & IPS_NAT_MASK"); before a
// reply, only a ct() naming a range translates. OVS userspace translates any
// packet of a found NATed connection (lib/conntrack.c process_one() ->
// handle_nat()).
TEST_P(ConntrackTest, SynRetransmitThroughDnatWithPlainNatIsUntranslatedOnLinux) {
  const IpAddress backend = IpAddress::v4(10, 1, 0, 5);
  const NatRange range{.kind = NatRange::Kind::kDst, .min_addr = backend, .max_addr = backend,
                       .min_port = 8080, .max_port = 8080};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(tcp(kClient, 40000, kPublic, 80, kSyn, 1000), open),
            is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));

  Packet again = tcp(kClient, 40000, kPublic, 80, kSyn, 1000);
  PacketCtMetadata md;
  ct_.execute(again, CtRequest{.nat = true}, now_, md);
  if (is_linux()) {
    EXPECT_EQ(md.state, S(kTrk | kNew));
    EXPECT_EQ(again.ip->dst, kPublic);
    EXPECT_EQ(again.tcp()->dst_port, 80);
    // The firewall's next table commits with nat(dst=...): the existing
    // binding translates this same packet (the lookup is reused).
    ct_.execute(again, open, now_, md);
    EXPECT_EQ(md.state, S(kTrk | kNew | kSnat | kDnat));
  } else {
    EXPECT_EQ(md.state, S(kTrk | kNew | kDnat));
  }
  EXPECT_EQ(again.ip->dst, backend);
  EXPECT_EQ(again.tcp()->dst_port, 8080);
  EXPECT_EQ(ct_.dump(now_).size(), 1u);
}

TEST_P(ConntrackTest, SynRetransmitThroughSnatWithPlainNatIsUntranslatedOnLinux) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(tcp(kClient, 40000, kServer, 80, kSyn, 1000), open), S(kTrk | kNew | kSnat));
  EXPECT_EQ(run(tcp(kClient, 40000, kServer, 80, kSyn, 1000), CtRequest{.nat = true}),
            is_linux() ? S(kTrk | kNew) : S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.ip->src, is_linux() ? kClient : kPublic);
  // A ct() naming the range translates it in both, from a fresh lookup too.
  EXPECT_EQ(run(tcp(kClient, 40000, kServer, 80, kSyn, 1000), open), S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.ip->src, kPublic);
  EXPECT_EQ(ct_.dump(now_).size(), 1u);
}

TEST_P(ConntrackTest, SecondUdpThroughSnatWithPlainNatIsUntranslatedOnLinux) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(udp(kClient, 5000, kServer, 53), open), S(kTrk | kNew | kSnat));

  Packet second = udp(kClient, 5000, kServer, 53);
  PacketCtMetadata md;
  ct_.execute(second, CtRequest{.nat = true}, now_, md);
  if (is_linux()) {
    EXPECT_EQ(md.state, S(kTrk | kNew));
    EXPECT_EQ(second.ip->src, kClient);
    ct_.execute(second, open, now_, md);
    EXPECT_EQ(md.state, S(kTrk | kNew | kSnat));
  } else {
    EXPECT_EQ(md.state, S(kTrk | kNew | kSnat));
  }
  EXPECT_EQ(second.ip->src, kPublic);

  // Once a reply was seen, a plain `nat` translates in both.
  ASSERT_EQ(run(udp(kServer, 53, kPublic, 5000), CtRequest{.nat = true}),
            S(kTrk | kEst | kRpl | kDnat));
  EXPECT_EQ(run(udp(kClient, 5000, kServer, 53), CtRequest{.nat = true}), S(kTrk | kEst | kSnat));
  EXPECT_EQ(last_.ip->src, kPublic);
}

TEST_P(ConntrackTest, SecondUdpThroughDnatWithPlainNatIsUntranslatedOnLinux) {
  const IpAddress backend = IpAddress::v4(10, 1, 0, 5);
  const NatRange range{.kind = NatRange::Kind::kDst, .min_addr = backend, .max_addr = backend};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(udp(kClient, 5000, kPublic, 53), open),
            is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));
  EXPECT_EQ(run(udp(kClient, 5000, kPublic, 53), CtRequest{.nat = true}),
            is_linux() ? S(kTrk | kNew) : S(kTrk | kNew | kDnat));
  EXPECT_EQ(last_.ip->dst, is_linux() ? kPublic : backend);
  EXPECT_EQ(run(udp(kClient, 5000, kPublic, 53), open),
            is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));
  EXPECT_EQ(last_.ip->dst, backend);
}

TEST_P(ConntrackTest, SecondEchoRequestThroughSnatWithPlainNatIsUntranslatedOnLinux) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  const CtRequest open{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(echo_request(kClient, kServer, 3), open), S(kTrk | kNew | kSnat));
  EXPECT_EQ(run(echo_request(kClient, kServer, 3), CtRequest{.nat = true}),
            is_linux() ? S(kTrk | kNew) : S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.ip->src, is_linux() ? kClient : kPublic);
}

// Linux deletes an unreplied connection on a RST (nf_conntrack_tcp_packet():
// "If only reply is a RST ... delete the conntrack immediately",
// nf_ct_kill_acct()) but the RST keeps its reference to it: a later ct() on
// the same packet in the same zone still finds it and translates with its
// DNAT (nftables nf_nat_inet_fn(); kernel OVS differs: a known divergence). OVS
// userspace keeps the connection; its RST is +est and translated at once.
TEST_P(ConntrackTest, RstBeforeReplyIsStillNattedByItsLaterCtActions) {
  const IpAddress vip = IpAddress::v4(198, 51, 100, 11), backend = IpAddress::v4(192, 0, 2, 77);
  const NatRange range{.kind = NatRange::Kind::kDst, .min_addr = backend, .max_addr = backend};
  const CtRequest lookup{.nat = true};
  const CtRequest commit_nat{.commit = true, .nat = true, .nat_range = range};
  Packet syn = tcp(kClient, 40000, vip, 53, kSyn, 2147483647u);
  PacketCtMetadata syn_md;
  ct_.execute(syn, lookup, now_, syn_md);
  ct_.execute(syn, commit_nat, now_, syn_md);
  ASSERT_EQ(syn_md.state, is_linux() ? S(kTrk | kNew | kSnat | kDnat) : S(kTrk | kNew | kDnat));

  Packet rst = tcp(kClient, 40000, vip, 53, kRst | kAck, 2147483647u, 0);
  PacketCtMetadata md;
  ct_.execute(rst, lookup, now_, md);
  if (is_linux()) {
    // IP_CT_NEW: a plain `nat` leaves it untranslated; the entry is gone.
    EXPECT_EQ(md.state, S(kTrk | kNew));
    EXPECT_EQ(rst.ip->dst, vip);
    EXPECT_TRUE(ct_.dump(now_).empty());
    // The commit with the range (the +new flow) translates it with the
    // deleted connection's binding, and commits nothing.
    ct_.execute(rst, commit_nat, now_, md);
    EXPECT_EQ(md.state, S(kTrk | kNew | kSnat | kDnat));
    EXPECT_EQ(md.invalid_reason, InvalidReason::kNone);
    EXPECT_EQ(rst.ip->dst, backend);
    EXPECT_EQ(rst.tcp()->dst_port, 53);
    EXPECT_TRUE(ct_.dump(now_).empty());
  } else {
    EXPECT_EQ(md.state, S(kTrk | kEst | kDnat));
    EXPECT_EQ(rst.ip->dst, backend);
    EXPECT_EQ(ct_.dump(now_).size(), 1u);
  }
  // A new packet of the same tuple no longer finds the connection on Linux:
  // a RST cannot open one.
  if (is_linux()) {
    EXPECT_EQ(run(tcp(kClient, 40000, vip, 53, kRst | kAck, 2147483647u, 0), lookup), S(kTrk | kInv));
    EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kTcpNoSynFirst);
  }
}

// Two hosts ping one server with the same echo identifier through one SNAT
// address. Linux moves the second query's identifier (nf_nat_core.c
// nf_nat_l4proto_unique_tuple(), case IPPROTO_ICMP: 0-65535; the oracle takes
// the next free one up from the original, the kernel a random one); the
// reply comes back to the moved identifier and leaves with the original one.
// OVS 3.1 remaps only TCP/UDP ports (nat_get_unique_tuple(): pat_proto): the
// tuple is exhausted, the request goes on +new, untranslated, uncommitted.
TEST_P(ConntrackTest, SnatIcmpIdClashMovesTheIdOnLinuxExhaustsOnOvs) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic};
  const CtRequest r{.commit = true, .nat = true, .nat_range = range};
  ASSERT_EQ(run(echo_request(kClient, kServer, 40002), r), S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.icmp()->identifier(), 40002);
  const CtState second = run(echo_request(kRouter, kServer, 40002), r);
  if (!is_linux()) {
    EXPECT_EQ(second, S(kTrk | kNew));
    EXPECT_EQ(last_md_.invalid_reason, InvalidReason::kNatExhausted);
    EXPECT_FALSE(last_md_.drop_packet);
    EXPECT_EQ(last_.ip->src, kRouter);
    EXPECT_EQ(last_.icmp()->identifier(), 40002);
    EXPECT_EQ(ct_.dump(now_).size(), 1u);
    return;
  }
  EXPECT_EQ(second, S(kTrk | kNew | kSnat));
  EXPECT_FALSE(last_md_.drop_packet);
  EXPECT_EQ(last_.ip->src, kPublic);
  EXPECT_EQ(last_.icmp()->identifier(), 40003);
  EXPECT_TRUE(wire(last_).l4_checksum_ok);
  auto rows = ct_.dump(now_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].original.src, kRouter);
  EXPECT_EQ(rows[1].original.icmp_id, 40002);
  EXPECT_EQ(rows[1].reply.icmp_id, 40003);
  EXPECT_TRUE(rows[1].snat);
  // The server's reply to the moved identifier reaches the second host with its own.
  EXPECT_EQ(run(wire(echo_reply(kServer, kPublic, 40003)), CtRequest{.nat = true}),
            S(kTrk | kEst | kRpl | kDnat));
  EXPECT_EQ(last_.ip->dst, kRouter);
  EXPECT_EQ(last_.icmp()->identifier(), 40002);
  // An ICMP error quoting the translated query is related to it; its quote
  // gets the original address and identifier back.
  Packet query = echo_request(kPublic, kServer, 40003);
  Packet error = PacketBuilder().ip(kServer, kPublic).icmp_error(3, 3, wire(query)).packet();
  EXPECT_EQ(run(wire(error), CtRequest{.nat = true}), S(kTrk | kRel | kRpl | kDnat));
  EXPECT_EQ(last_.ip->dst, kRouter);
  auto quoted = parse_quoted_packet(wire(last_));
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->ip->src, kRouter);
  EXPECT_EQ(quoted->icmp()->identifier(), 40002);
  // The identifier walk wraps: 65535 taken goes on at 0.
  run(echo_request(kClient, kServer, 65535), r);
  run(echo_request(kRouter, kServer, 65535), r);
  EXPECT_EQ(last_.icmp()->identifier(), 0);
}

// A NAT port range does not constrain an ICMP query's identifier (nftables
// applies proto ranges to TCP/UDP only; OVS remaps no ICMP ids): a free
// identifier stays as it is in both profiles.
TEST_P(ConntrackTest, IcmpQueryKeepsItsIdUnderANatPortRange) {
  const NatRange range{.kind = NatRange::Kind::kSrc, .min_addr = kPublic, .max_addr = kPublic,
                       .min_port = 1024, .max_port = 1024};
  EXPECT_EQ(run(echo_request(kClient, kServer, 40000),
                CtRequest{.commit = true, .nat = true, .nat_range = range}),
            S(kTrk | kNew | kSnat));
  EXPECT_EQ(last_.ip->src, kPublic);
  EXPECT_EQ(last_.icmp()->identifier(), 40000);
}

INSTANTIATE_TEST_SUITE_P(Profiles, ConntrackTest,
                         ::testing::Values(&linux_profile(), &ovs_userspace_profile()),
                         [](const auto& info) {
                           return info.param->name == "linux" ? std::string("linux") : std::string("ovs");
                         });

}  // namespace
}  // namespace ctc
