// The OVS userspace TCP tracker against lib/conntrack-tcp.c (OVS 3.1): one
// test per transition, each naming the expected kind and "ORIG/REPLY" peer
// states.
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "reference/conntrack/profile.h"
#include "reference/conntrack/tcp_tracker.h"
#include "reference/packet/packet.h"

namespace ctc {
namespace {

using namespace tcp_flag;

constexpr Direction kOrig = Direction::kOriginal;
constexpr Direction kReply = Direction::kReply;

constexpr uint32_t kClientIsn = 1000;
constexpr uint32_t kServerIsn = 5000;

TcpSegment segment(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t payload_len = 0,
                   uint16_t window = 65535, std::optional<uint8_t> window_scale = std::nullopt) {
  TcpSegment s;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.payload_len = payload_len;
  s.window = window;
  s.window_scale = window_scale;
  return s;
}

TcpUpdate valid() { return {TcpUpdateKind::kValid, InvalidReason::kNone}; }
TcpUpdate invalid(InvalidReason reason) { return {TcpUpdateKind::kInvalid, reason}; }

void expect_update(const TcpUpdate& actual, const TcpUpdate& expected) {
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.reason, expected.reason) << to_string(actual.reason);
}

class OvsTcpTrackerTest : public ::testing::Test {
 protected:
  const Profile& profile_ = ovs_userspace_profile();
  std::unique_ptr<TcpTrackerFactory> factory_ = make_tcp_tracker_factory(profile_);
  const TcpTimeouts& timeouts_ = profile_.timeouts.tcp;

  std::unique_ptr<TcpConnectionTracker> start(const TcpSegment& first) {
    EXPECT_EQ(factory_->check_new(first), InvalidReason::kNone);
    return factory_->create(first);
  }

  // SYN, SYN+ACK, ACK; the client's next seq is kClientIsn+1, the server's kServerIsn+1.
  std::unique_ptr<TcpConnectionTracker> establish() {
    auto t = start(segment(kSyn, kClientIsn, 0));
    expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
    expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
    EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
    return t;
  }
};

TEST_F(OvsTcpTrackerTest, SynCreatesSynSentClosedWithFirstPacketTimeout) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->state_name(), "SYN_SENT/CLOSED");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
  EXPECT_FALSE(t->established());
}

TEST_F(OvsTcpTrackerTest, SynAckMovesClientToEstablishedServerToSynSent) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/SYN_SENT");
  EXPECT_EQ(t->timeout(), timeouts_.syn_recv);  // CT_TM_TCP_OPENING
  EXPECT_FALSE(t->established());
}

TEST_F(OvsTcpTrackerTest, ThreeWayHandshakeReachesEstablished) {
  auto t = establish();
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.established);
  EXPECT_TRUE(t->established());
}

TEST_F(OvsTcpTrackerTest, SynRetransmitIsValidNewWithFirstPacketTimeout) {
  // CT_UPDATE_VALID_NEW: a bare SYN while the sender is not past SYN_SENT
  // (measured on OVS 3.1: the retransmitted SYN is +new).
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->update(segment(kSyn, kClientIsn, 0), kOrig).kind, TcpUpdateKind::kValidNew);
  EXPECT_EQ(t->state_name(), "SYN_SENT/CLOSED");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
}

TEST_F(OvsTcpTrackerTest, SynWithNewIsnBeforeReplyIsValidNewToo) {
  // "Stupid stacks will shotgun SYNs before their peer replies": no window check.
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->update(segment(kSyn, kClientIsn + 8000, 0), kOrig).kind, TcpUpdateKind::kValidNew);
  EXPECT_EQ(t->state_name(), "SYN_SENT/CLOSED");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
}

TEST_F(OvsTcpTrackerTest, SynAckCannotStartConnection) {
  EXPECT_EQ(factory_->check_new(segment(kSyn | kAck, kServerIsn, kClientIsn + 1)),
            InvalidReason::kTcpSynAckFirst);
}

TEST_F(OvsTcpTrackerTest, InvalidFlagCombinationsCannotStartConnection) {
  EXPECT_EQ(factory_->check_new(segment(kSyn | kRst, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(kSyn | kFin, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(0, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(kFin, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(kRst | kPsh, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(kSyn | kUrg, 1, 0)), InvalidReason::kTcpInvalidFlags);
}

TEST_F(OvsTcpTrackerTest, PlainAckFinAckAndRstMayStartConnection) {
  // tcp_valid_new(): pf picks up anything well-formed that is not a SYN+ACK.
  EXPECT_EQ(factory_->check_new(segment(kAck, 1, 2)), InvalidReason::kNone);
  EXPECT_EQ(factory_->check_new(segment(kFin | kAck, 1, 2)), InvalidReason::kNone);
  EXPECT_EQ(factory_->check_new(segment(kRst, 1, 0)), InvalidReason::kNone);
  EXPECT_EQ(factory_->check_new(segment(kSyn | kEce | kCwr, 1, 0)), InvalidReason::kNone);
}

TEST_F(OvsTcpTrackerTest, InvalidFlagsOnExistingConnectionAreInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kFin, kClientIsn + 1, 0), kOrig),
                invalid(InvalidReason::kTcpInvalidFlags));
  expect_update(t->update(segment(0, kClientIsn + 1, 0), kOrig),
                invalid(InvalidReason::kTcpInvalidFlags));
  expect_update(t->update(segment(kSyn | kRst, kClientIsn + 1, 0), kReply),
                invalid(InvalidReason::kTcpInvalidFlags));
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, PickupMidStreamEstablishesAfterBothSidesSpeak) {
  auto t = start(segment(kAck, kClientIsn, kServerIsn, 100, 1000));
  EXPECT_EQ(t->state_name(), "SYN_SENT/CLOSED");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
  expect_update(t->update(segment(kAck, kServerIsn, kClientIsn + 100, 0, 1000), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/SYN_SENT");
  EXPECT_EQ(t->timeout(), timeouts_.syn_recv);
  expect_update(t->update(segment(kAck, kClientIsn + 100, kServerIsn, 0, 1000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.established);
  EXPECT_TRUE(t->established());
}

TEST_F(OvsTcpTrackerTest, PickupAssumesMaximumWindowScale) {
  // Both sides CT_WSCALE_UNKNOWN: windows are scaled by 14, so data far
  // beyond the unscaled 1000-byte window is still in window.
  auto t = start(segment(kAck, kClientIsn, kServerIsn, 0, 1000));
  expect_update(t->update(segment(kAck, kServerIsn, kClientIsn, 0, 1000), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1000000, kServerIsn, 1000, 1000), kOrig),
                valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, DataBothWaysKeepsEstablished) {
  auto t = establish();
  expect_update(t->update(segment(kAck | kPsh, kClientIsn + 1, kServerIsn + 1, 500), kOrig), valid());
  expect_update(t->update(segment(kAck | kPsh, kServerIsn + 1, kClientIsn + 501, 1400), kReply),
                valid());
  expect_update(t->update(segment(kAck, kClientIsn + 501, kServerIsn + 1401), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.established);
}

TEST_F(OvsTcpTrackerTest, FinFromOriginalMovesItToClosing) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSING/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);  // CT_TM_TCP_CLOSING
}

TEST_F(OvsTcpTrackerTest, FinFromReplyMovesItToClosing) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/CLOSING");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(OvsTcpTrackerTest, AckOfFinMovesFinSenderToFinWait2) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT_2/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(OvsTcpTrackerTest, BothFinsUnacknowledgedUseFinWaitTimeout) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT_2/CLOSING");
  EXPECT_EQ(t->timeout(), timeouts_.time_wait);  // CT_TM_TCP_FIN_WAIT
}

TEST_F(OvsTcpTrackerTest, BothFinsAcknowledgedReachFinWait2BothWays) {
  // pf has no TIME_WAIT for a graceful close: both peers end in FIN_WAIT_2
  // and the connection gets the CLOSED timeout.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT_2/FIN_WAIT_2");
  EXPECT_EQ(t->timeout(), timeouts_.close);  // CT_TM_TCP_CLOSED
  EXPECT_TRUE(t->established());
}

TEST_F(OvsTcpTrackerTest, SimultaneousCloseAlsoEndsInFinWait2) {
  // pf does not check that an ACK covers the FIN: the reply's FIN|ACK, which
  // acknowledges only up to the client's FIN, already moves the client to
  // FIN_WAIT_2.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT_2/CLOSING");
  EXPECT_EQ(t->timeout(), timeouts_.time_wait);
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT_2/FIN_WAIT_2");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(OvsTcpTrackerTest, SynAfterGracefulCloseRecycles) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), {TcpUpdateKind::kRecycle, InvalidReason::kNone});
  EXPECT_EQ(t->state_name(), "CLOSED/CLOSED");
}

TEST_F(OvsTcpTrackerTest, SynOnTimeWaitRecycles) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), {TcpUpdateKind::kRecycle, InvalidReason::kNone});
}

TEST_F(OvsTcpTrackerTest, SynFromReplyOnTimeWaitAlsoRecycles) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  expect_update(t->update(segment(kSyn, 90000, 0), kReply), {TcpUpdateKind::kRecycle, InvalidReason::kNone});
}

TEST_F(OvsTcpTrackerTest, SynAckOnTimeWaitDoesNotRecycle) {
  // Only a bare SYN ((flags & (SYN|ACK)) == SYN) restarts; a SYN+ACK falls
  // through to the sequence checks and the loose branch accepts it.
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  expect_update(t->update(segment(kSyn | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
}

TEST_F(OvsTcpTrackerTest, SynWhileEstablishedDoesNotRecycle) {
  auto t = establish();
  const TcpUpdate u = t->update(segment(kSyn, 90000000, 0), kOrig);
  EXPECT_EQ(u.kind, TcpUpdateKind::kInvalid);
  EXPECT_EQ(u.reason, InvalidReason::kTcpOutOfWindow);
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, RstInSynSentFromReplyIsValid) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kRst | kAck, 0, kClientIsn + 1, 0, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close);
  EXPECT_FALSE(t->established());
}

TEST_F(OvsTcpTrackerTest, RstInSynSentFromOriginalWithExactSeqIsValid) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kRst, kClientIsn, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(OvsTcpTrackerTest, RstInSynSentWithBadSeqIsTakenByLooseBranch) {
  // The reply side is still CLOSED, so the loose branch accepts the reset
  // (an empty segment's seq is replaced by seqlo) but does not touch the
  // timeout.
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kRst, kClientIsn + 40000, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
}

TEST_F(OvsTcpTrackerTest, RstInSynRecvWithExactSeqIsValid) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(OvsTcpTrackerTest, RstInSynRecvWithBadSeqIsInvalid) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kRst, kClientIsn + 500, 0), kOrig),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "ESTABLISHED/SYN_SENT");
}

TEST_F(OvsTcpTrackerTest, RstInEstablishedWithExactSeqIsValid) {
  auto t = establish();
  expect_update(t->update(segment(kRst | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close);
  EXPECT_TRUE(t->established());  // it was established before the reset
}

TEST_F(OvsTcpTrackerTest, RstInEstablishedAcceptsSeqloAndOneEitherSide) {
  // The client's seqlo is still its ISN: new_conn does not count the SYN and
  // an empty ACK does not advance it. seqlo-1, seqlo and seqlo+1 are accepted.
  auto t = establish();
  for (uint32_t seq : {kClientIsn - 1, kClientIsn, kClientIsn + 1}) {
    auto copy = t->clone();
    expect_update(copy->update(segment(kRst, seq, 0), kOrig), valid());
    EXPECT_EQ(copy->state_name(), "TIME_WAIT/TIME_WAIT") << seq;
  }
  expect_update(t->update(segment(kRst, kClientIsn + 2, 0), kOrig),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, RstInEstablishedWithBadSeqIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 100, 0), kOrig),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.established);
}

TEST_F(OvsTcpTrackerTest, RstInClosingWithExactSeqIsValid) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kRst, kServerIsn + 1, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(OvsTcpTrackerTest, RstInClosingWithBadSeqIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kRst, kServerIsn + 300, 0), kReply),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "CLOSING/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, RstInFinWait2WithBadSeqIsTakenByLooseBranch) {
  // Once a peer is in FIN_WAIT_2 the loose branch takes stray packets; it
  // changes the peers' states but not the timeout.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  expect_update(t->update(segment(kRst, kServerIsn + 300, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(OvsTcpTrackerTest, RstAckWithZeroAckIsAcceptedInEstablished) {
  // "broken tcp stacks do not set ack": ack 0 on RST|ACK is replaced.
  auto t = establish();
  expect_update(t->update(segment(kRst | kAck, kServerIsn + 1, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
}

TEST_F(OvsTcpTrackerTest, DataBeyondReceiverWindowIsInvalid) {
  auto t = establish();
  // The server advertised 65535: the client may send up to kClientIsn+1+65535.
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 65535, kServerIsn + 1, 100), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, DataEndingAtWindowEdgeIsValid) {
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 65535), kOrig), valid());
}

TEST_F(OvsTcpTrackerTest, DataMoreThanAWindowBackIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 60000), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 60001), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 60001, kServerIsn + 1, 60000), kOrig), valid());
  // seqlo is now kClientIsn+120001; one window (65535) back is the limit.
  expect_update(t->update(segment(kAck, kClientIsn + 100, kServerIsn + 1, 10), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(OvsTcpTrackerTest, AckTooFarAheadIsInvalid) {
  // ackskew < -MAXACKWINDOW: acknowledging data the peer never sent.
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1 + 0xffff + 1501), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(OvsTcpTrackerTest, AckWithinMaxAckWindowAheadIsValid) {
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1 + 0xffff + 1500), kOrig),
                valid());
}

TEST_F(OvsTcpTrackerTest, LiberalProfileSkipsSequenceChecks) {
  // ct-disable-tcp-seq-chk: tcp_bypass_seq_chk() accepts anything well-formed.
  Profile liberal = ovs_userspace_profile();
  liberal.tcp_liberal = true;
  auto factory = make_tcp_tracker_factory(liberal);
  auto t = factory->create(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 900000, kServerIsn + 1, 100), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  expect_update(t->update(segment(kRst, kServerIsn + 777, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
}

TEST_F(OvsTcpTrackerTest, WindowScalingWidensTheWindow) {
  // Both SYNs carry wscale 7; the server then advertises 1000 << 7 = 128000.
  auto t = start(segment(kSyn, kClientIsn, 0, 0, 65535, 7));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1, 0, 65535, 7), kReply),
                valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 0, 512), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 1000), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 100000, kServerIsn + 1, 1000, 512), kOrig),
                valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
}

TEST_F(OvsTcpTrackerTest, WindowScalingCapsAtFourteen) {
  // tcp_get_wscale(): MIN(opt, TCP_MAX_WSCALE); 15 behaves as 14.
  auto t = start(segment(kSyn, kClientIsn, 0, 0, 65535, 15));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1, 0, 65535, 15), kReply),
                valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 0, 4), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 4), kReply), valid());
  // 4 << 14 = 65536: the last byte at +65536 is in, one more is out.
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 65536, 4), kOrig), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 65537, kServerIsn + 1, 1, 4), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(OvsTcpTrackerTest, WindowScalingIgnoredWhenOnlyOneSideOffersIt) {
  // RFC 1323: no scaling unless both SYNs carry the option; the same data
  // that the scaled connection accepts is out of window here.
  auto t = start(segment(kSyn, kClientIsn, 0, 0, 65535, 7));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1, 0, 65535), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 0, 512), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 1000), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 100000, kServerIsn + 1, 1000, 512), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(OvsTcpTrackerTest, SequenceNumbersWrapAround) {
  constexpr uint32_t kClient = 0xffffff00;
  constexpr uint32_t kServer = 0xfffffff0;
  auto t = start(segment(kSyn, kClient, 0));
  expect_update(t->update(segment(kSyn | kAck, kServer, kClient + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClient + 1, kServer + 1), kOrig), valid());
  // 1000 bytes from 0xffffff01 cross zero; the reply's 100 bytes too.
  expect_update(t->update(segment(kAck, kClient + 1, kServer + 1, 1000), kOrig), valid());
  expect_update(t->update(segment(kAck, kServer + 1, kClient + 1001, 100), kReply), valid());
  expect_update(t->update(segment(kAck, kClient + 1001, kServer + 101, 1000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  // And a wrapped out-of-window segment is still caught.
  expect_update(t->update(segment(kAck, kClient + 1001 + 200000, kServer + 101, 10), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(OvsTcpTrackerTest, TimeoutPerClassEqualsProfile) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);  // FIRST_PACKET
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.syn_recv);  // OPENING
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.established);  // ESTABLISHED
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);  // CLOSING
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.time_wait);  // FIN_WAIT
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.close);  // CLOSED
  EXPECT_EQ(timeouts_.syn_sent, Duration::seconds(30));
  EXPECT_EQ(timeouts_.established, Duration::seconds(86400));
}

TEST_F(OvsTcpTrackerTest, InvalidSegmentLeavesStateAndTimeout) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 300000, kServerIsn + 1), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
  EXPECT_EQ(t->state_name(), "CLOSING/ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(OvsTcpTrackerTest, StateNamesUseCtDpifSpelling) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->state_name(), "SYN_SENT/CLOSED");
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/SYN_SENT");
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED/ESTABLISHED");
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
}

TEST_F(OvsTcpTrackerTest, CloneIsIndependent) {
  auto t = establish();
  auto copy = t->clone();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT/TIME_WAIT");
  EXPECT_EQ(copy->state_name(), "ESTABLISHED/ESTABLISHED");
  EXPECT_EQ(copy->timeout(), timeouts_.established);
  EXPECT_TRUE(copy->established());
}

}  // namespace
}  // namespace ctc
