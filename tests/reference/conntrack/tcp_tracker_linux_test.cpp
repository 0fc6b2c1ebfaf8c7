// The Linux TCP tracker against net/netfilter/nf_conntrack_proto_tcp.c
// (kernel 6.1.y): one test per transition, each naming the expected kind and
// tcp_conntrack_names[] state.
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
TcpUpdate recycle() { return {TcpUpdateKind::kRecycle, InvalidReason::kNone}; }
TcpUpdate remove() { return {TcpUpdateKind::kDelete, InvalidReason::kNone}; }

void expect_update(const TcpUpdate& actual, const TcpUpdate& expected) {
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.reason, expected.reason) << to_string(actual.reason);
}

Profile with_distinct_retrans_timeout() {
  Profile p = linux_profile();
  p.timeouts.tcp.retrans = Duration::seconds(77);  // distinct from unacknowledged (300 s)
  return p;
}

class LinuxTcpTrackerTest : public ::testing::Test {
 protected:
  const Profile& profile_ = linux_profile();
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
    EXPECT_EQ(t->state_name(), "ESTABLISHED");
    return t;
  }

  // Client closes first: FIN, ACK, FIN, ACK.
  std::unique_ptr<TcpConnectionTracker> close_from_client() {
    auto t = establish();
    expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
    expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
    expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
    expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
    EXPECT_EQ(t->state_name(), "TIME_WAIT");
    return t;
  }
};

TEST_F(LinuxTcpTrackerTest, SynCreatesSynSent) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->state_name(), "SYN_SENT");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
  EXPECT_FALSE(t->established());
}

TEST_F(LinuxTcpTrackerTest, SynAckMovesToSynRecv) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_RECV");
  EXPECT_EQ(t->timeout(), timeouts_.syn_recv);
  EXPECT_FALSE(t->established());
}

TEST_F(LinuxTcpTrackerTest, ThreeWayHandshakeReachesEstablishedAndAssured) {
  auto t = establish();
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.established);
  EXPECT_TRUE(t->established());  // IPS_ASSURED: SYN_RECV -> ESTABLISHED after a reply
}

TEST_F(LinuxTcpTrackerTest, SynRetransmitStaysSynSent) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn, kClientIsn, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "SYN_SENT");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
}

TEST_F(LinuxTcpTrackerTest, SynWithNewIsnReinitialisesSender) {
  // tcp_in_window(): a SYN beyond td_end in SYN_SENT re-inits the sender, so
  // the SYN/ACK acknowledging the new ISN is accepted.
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn, kClientIsn + 100000, 0), kOrig), valid());
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 100001), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_RECV");
}

TEST_F(LinuxTcpTrackerTest, SynAckCannotStartConnection) {
  EXPECT_EQ(factory_->check_new(segment(kSyn | kAck, kServerIsn, kClientIsn + 1)),
            InvalidReason::kTcpSynAckFirst);
}

TEST_F(LinuxTcpTrackerTest, FinOrRstCannotStartConnection) {
  EXPECT_EQ(factory_->check_new(segment(kFin | kAck, 1, 2)), InvalidReason::kTcpNoSynFirst);
  EXPECT_EQ(factory_->check_new(segment(kRst, 1, 0)), InvalidReason::kTcpNoSynFirst);
}

TEST_F(LinuxTcpTrackerTest, InvalidFlagCombinationsAreInvalid) {
  EXPECT_EQ(factory_->check_new(segment(kSyn | kFin, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(kSyn | kRst, 1, 0)), InvalidReason::kTcpInvalidFlags);
  EXPECT_EQ(factory_->check_new(segment(0, 1, 0)), InvalidReason::kTcpInvalidFlags);
  auto t = establish();
  expect_update(t->update(segment(kFin, kClientIsn + 1, 0), kOrig),
                invalid(InvalidReason::kTcpInvalidFlags));
  expect_update(t->update(segment(kFin | kRst | kAck, kClientIsn + 1, kServerIsn + 1), kOrig),
                invalid(InvalidReason::kTcpInvalidFlags));
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, AckInSynSentFromOriginalIsInvalidTransition) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig),
                invalid(InvalidReason::kTcpInvalidTransition));
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig),
                invalid(InvalidReason::kTcpInvalidTransition));
  EXPECT_EQ(t->state_name(), "SYN_SENT");
}

TEST_F(LinuxTcpTrackerTest, PickupMidStreamWithLoose) {
  auto t = start(segment(kAck, kClientIsn, kServerIsn, 100, 1000));
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.unacknowledged);  // no reply yet: no 5-day timeout
  EXPECT_FALSE(t->established());
  expect_update(t->update(segment(kAck, kServerIsn, kClientIsn + 100, 0, 1000), kReply), valid());
  EXPECT_FALSE(t->established());  // the reply itself is "before SEEN_REPLY"
  expect_update(t->update(segment(kAck, kClientIsn + 100, kServerIsn, 0, 1000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_TRUE(t->established());
  EXPECT_EQ(t->timeout(), timeouts_.established);
}

TEST_F(LinuxTcpTrackerTest, PickupIsRefusedWithoutLoose) {
  Profile strict = linux_profile();
  strict.tcp_loose = false;
  auto factory = make_tcp_tracker_factory(strict);
  EXPECT_EQ(factory->check_new(segment(kAck, kClientIsn, kServerIsn)), InvalidReason::kTcpNoSynFirst);
  EXPECT_EQ(factory->check_new(segment(kSyn, kClientIsn, 0)), InvalidReason::kNone);
}

TEST_F(LinuxTcpTrackerTest, PickedUpConnectionIsLiberal) {
  // tcp_new(): a picked-up connection gets IP_CT_TCP_FLAG_BE_LIBERAL.
  auto t = start(segment(kAck, kClientIsn, kServerIsn, 0, 1000));
  expect_update(t->update(segment(kAck, kClientIsn + 5000000, kServerIsn, 100, 1000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, FinFromOriginalMovesToFinWait) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(LinuxTcpTrackerTest, FinFromReplyMovesToFinWait) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "FIN_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
}

TEST_F(LinuxTcpTrackerTest, AckOfFinMovesToCloseWait) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "CLOSE_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.close_wait);
}

TEST_F(LinuxTcpTrackerTest, SecondFinMovesToLastAck) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "LAST_ACK");
  EXPECT_EQ(t->timeout(), timeouts_.last_ack);
}

TEST_F(LinuxTcpTrackerTest, BothFinsAndLastAckReachTimeWait) {
  auto t = close_from_client();
  EXPECT_EQ(t->state_name(), "TIME_WAIT");
  EXPECT_EQ(t->timeout(), timeouts_.time_wait);
  EXPECT_TRUE(t->established());
}

TEST_F(LinuxTcpTrackerTest, SimultaneousCloseReachesTimeWait) {
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "LAST_ACK");
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT");
}

TEST_F(LinuxTcpTrackerTest, SynOnTimeWaitAfterClientCloseRecycles) {
  auto t = close_from_client();
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), recycle());
}

TEST_F(LinuxTcpTrackerTest, SynOnTimeWaitAfterServerCloseRecycles) {
  // nf_conntrack_tcp_packet() checks CLOSE_INIT on seen[dir] | seen[!dir]:
  // the server having closed first is enough for the client's new SYN.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 2), kOrig), valid());
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 2), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 2, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "TIME_WAIT");
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), recycle());
}

TEST_F(LinuxTcpTrackerTest, SynFromReplyOnTimeWaitRecycles) {
  // "sTW -> sSS Reopened connection, but server may have switched role".
  auto t = close_from_client();
  expect_update(t->update(segment(kSyn, 90000, 0), kReply), recycle());
}

TEST_F(LinuxTcpTrackerTest, SynOnCloseAfterOwnRstRecycles) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), recycle());
}

TEST_F(LinuxTcpTrackerTest, SynOnCloseAfterPeerRstIsIgnored) {
  // Neither CLOSE_INIT nor "last was an RST from this direction": ignored.
  auto t = establish();
  expect_update(t->update(segment(kRst, kServerIsn + 1, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, RstReplyToSynDeletesConnection) {
  // "If only reply is a RST ... delete the conntrack immediately".
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kRst | kAck, 0, kClientIsn + 1, 0, 0), kReply), remove());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, RstFromOriginalInSynSentDeletesConnection) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), remove());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, RstInSynRecvWithValidSeqCloses) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(LinuxTcpTrackerTest, RstInSynRecvBeforeMaxAckIsInvalid) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kRst, kClientIsn - 100, 0), kOrig),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "SYN_RECV");
}

TEST_F(LinuxTcpTrackerTest, RstInEstablishedWithExactSeqCloses) {
  auto t = establish();
  expect_update(t->update(segment(kRst | kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(LinuxTcpTrackerTest, RstInEstablishedInWindowButInexactKeepsState) {
  // "RST sequence number doesn't match exactly, keep established state to
  // allow a possible challenge ACK" -- but the timeout drops to CLOSE.
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 500, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(LinuxTcpTrackerTest, RstInEstablishedBeforeMaxAckIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn - 10, 0), kOrig),
                invalid(InvalidReason::kTcpBadRst));
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, RstInEstablishedBeyondWindowIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kRst, kClientIsn + 1000000, 0), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, RstAfterOwnDataTrainCloses) {
  // "Check if rst is part of train": the RST right after this side's data.
  auto t = establish();
  expect_update(t->update(segment(kAck | kPsh, kServerIsn + 1, kClientIsn + 1, 19), kReply), valid());
  expect_update(t->update(segment(kRst, kServerIsn + 20, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, RstInFinWaitIsNotValidated) {
  // tcp_can_early_drop(): in a closing state the RST skips every check.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kRst, kServerIsn + 3000000, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(LinuxTcpTrackerTest, RstInTimeWaitIsNotValidated) {
  auto t = close_from_client();
  expect_update(t->update(segment(kRst, 12345, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, RstAnsweringChallengeAckInSynSentCloses) {
  // A reply ACK in SYN_SENT is ignored (half-open) and its ack remembered;
  // the client's RST with exactly that seq skips the window check. The
  // ignored reply counts as IPS_SEEN_REPLY, so the entry is not deleted.
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kAck, 7000, 3333), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_SENT");
  expect_update(t->update(segment(kRst, 3333, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  EXPECT_EQ(t->timeout(), timeouts_.close);
}

TEST_F(LinuxTcpTrackerTest, DataBeyondWindowIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 200000, kServerIsn + 1, 100), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, DataSlightlyOverWindowIsIgnoredNotInvalid) {
  // 6.1 tcp_in_window(): overshooting the receive window by at most one
  // window is NFCT_TCP_IGNORE ("bytes more than expected"): accepted.
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 65536, kServerIsn + 1, 100), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, AckForUnseenDataIsInvalid) {
  auto t = establish();
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1000), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(LinuxTcpTrackerTest, OldRetransmissionBelowWindowIsIgnored) {
  // "SEQ is under lower bound (already ACKed data retransmitted)": ignored,
  // i.e. accepted without a state change.
  auto t = establish();
  for (uint32_t off = 0; off < 200000; off += 50000) {
    expect_update(t->update(segment(kAck, kClientIsn + 1 + off, kServerIsn + 1, 50000), kOrig), valid());
    expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1 + off + 50000), kReply), valid());
  }
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 100), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, LiberalProfileAcceptsOutOfWindow) {
  Profile liberal = linux_profile();
  liberal.tcp_liberal = true;
  auto factory = make_tcp_tracker_factory(liberal);
  auto t = factory->create(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 9000000, kServerIsn + 1, 100), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, WindowScalingWidensTheWindow) {
  auto t = start(segment(kSyn, kClientIsn, 0, 0, 65535, 7));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1, 0, 65535, 7), kReply),
                valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 0, 512), kOrig), valid());
  // 2000 << 7 = 256000 bytes of window for the client.
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 2000), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 200000, kServerIsn + 1, 1000, 512), kOrig),
                valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, WindowScalingIgnoredWhenOnlyOneSideOffersIt) {
  // tcp_init_sender(): RFC 1323 needs the option on both SYNs.
  auto t = start(segment(kSyn, kClientIsn, 0, 0, 65535, 7));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1, 0, 65535), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1, 0, 512), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 2000), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1 + 200000, kServerIsn + 1, 1000, 512), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(LinuxTcpTrackerTest, SequenceNumbersWrapAround) {
  constexpr uint32_t kClient = 0xffffff00;
  constexpr uint32_t kServer = 0xfffffff0;
  auto t = start(segment(kSyn, kClient, 0));
  expect_update(t->update(segment(kSyn | kAck, kServer, kClient + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClient + 1, kServer + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kClient + 1, kServer + 1, 1000), kOrig), valid());
  expect_update(t->update(segment(kAck, kServer + 1, kClient + 1001, 100), kReply), valid());
  expect_update(t->update(segment(kAck, kClient + 1001, kServer + 101, 1000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  expect_update(t->update(segment(kAck, kClient + 1001 + 300000, kServer + 101, 10), kOrig),
                invalid(InvalidReason::kTcpOutOfWindow));
}

TEST_F(LinuxTcpTrackerTest, SimultaneousOpenReachesEstablished) {
  // SYN / SYN (SYN_SENT2) / SYN+ACK (SYN_RECV) / ACK: the reply ACK in
  // SYN_RECV reaches ESTABLISHED thanks to IP_CT_TCP_SIMULTANEOUS_OPEN.
  auto t = start(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn, kServerIsn, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_SENT2");
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent2);
  expect_update(t->update(segment(kSyn | kAck, kClientIsn, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->state_name(), "SYN_RECV");
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_TRUE(t->established());
}

TEST_F(LinuxTcpTrackerTest, SynInEstablishedIsIgnored) {
  auto t = establish();
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
}

TEST_F(LinuxTcpTrackerTest, SynAckAnsweringIgnoredSynResyncs) {
  // "b) This SYN/ACK acknowledges a SYN that we earlier ignored": SYN_RECV,
  // with the ignored SYN's window scale kept, so the server's scaled
  // window-sized data is accepted.
  auto t = establish();
  expect_update(t->update(segment(kSyn, 90000, 0, 0, 65535, 7), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  expect_update(t->update(segment(kSyn | kAck, 70000, 90001, 0, 65535, 7), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_RECV");
  expect_update(t->update(segment(kAck, 90001, 70001, 0, 2000), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  expect_update(t->update(segment(kAck, 70001 + 200000, 90001, 1000, 512), kReply), valid());
}

TEST_F(LinuxTcpTrackerTest, ChallengeAckInLastAckKeepsState) {
  // RFC 5961: the server answers a new SYN seen in LAST_ACK with a
  // challenge ACK, which must not count as the last ACK.
  auto t = establish();
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "LAST_ACK");
  expect_update(t->update(segment(kSyn, 90000, 0), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 2, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->state_name(), "LAST_ACK");
}

TEST_F(LinuxTcpTrackerTest, UnacknowledgedDataShortensEstablishedTimeout) {
  auto t = establish();
  expect_update(t->update(segment(kAck | kPsh, kClientIsn + 1, kServerIsn + 1, 100), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.unacknowledged);
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 101), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.established);
}

TEST_F(LinuxTcpTrackerTest, RetransmissionsUseRetransTimeout) {
  const Profile profile = with_distinct_retrans_timeout();
  auto factory = make_tcp_tracker_factory(profile);
  auto t = factory->create(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  const TcpSegment data = segment(kAck | kPsh, kClientIsn + 1, kServerIsn + 1, 100);
  for (int i = 0; i < 3; ++i) {
    expect_update(t->update(data, kOrig), valid());
    EXPECT_EQ(t->timeout(), profile.timeouts.tcp.unacknowledged) << i;
  }
  expect_update(t->update(data, kOrig), valid());  // third retransmission
  EXPECT_EQ(t->timeout(), profile.timeouts.tcp.retrans);
}

TEST_F(LinuxTcpTrackerTest, ZeroWindowUsesRetransTimeout) {
  const Profile profile = with_distinct_retrans_timeout();
  auto factory = make_tcp_tracker_factory(profile);
  auto t = factory->create(segment(kSyn, kClientIsn, 0));
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 1, 0, 0), kReply), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  EXPECT_EQ(t->timeout(), profile.timeouts.tcp.retrans);
}

TEST_F(LinuxTcpTrackerTest, TimeoutPerStateEqualsProfile) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->timeout(), timeouts_.syn_sent);
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.syn_recv);
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.established);
  expect_update(t->update(segment(kFin | kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.fin_wait);
  expect_update(t->update(segment(kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.close_wait);
  expect_update(t->update(segment(kFin | kAck, kServerIsn + 1, kClientIsn + 2), kReply), valid());
  EXPECT_EQ(t->timeout(), timeouts_.last_ack);
  expect_update(t->update(segment(kAck, kClientIsn + 2, kServerIsn + 2), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.time_wait);
  expect_update(t->update(segment(kRst, kClientIsn + 2, 0), kOrig), valid());
  EXPECT_EQ(t->timeout(), timeouts_.close);
  EXPECT_EQ(timeouts_.established, Duration::seconds(5 * 24 * 3600));
  EXPECT_EQ(timeouts_.syn_sent, Duration::seconds(120));
}

TEST_F(LinuxTcpTrackerTest, StateNamesFollowTcpConntrackNames) {
  auto t = start(segment(kSyn, kClientIsn, 0));
  EXPECT_EQ(t->state_name(), "SYN_SENT");
  expect_update(t->update(segment(kSyn | kAck, kServerIsn, kClientIsn + 1), kReply), valid());
  EXPECT_EQ(t->state_name(), "SYN_RECV");
  expect_update(t->update(segment(kAck, kClientIsn + 1, kServerIsn + 1), kOrig), valid());
  EXPECT_EQ(t->state_name(), "ESTABLISHED");
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
}

TEST_F(LinuxTcpTrackerTest, CloneIsIndependent) {
  auto t = establish();
  auto copy = t->clone();
  expect_update(t->update(segment(kRst, kClientIsn + 1, 0), kOrig), valid());
  EXPECT_EQ(t->state_name(), "CLOSE");
  EXPECT_EQ(copy->state_name(), "ESTABLISHED");
  EXPECT_TRUE(copy->established());
}

}  // namespace
}  // namespace ctc
