#include "properties/tcp_state_order.h"

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace ctc {
namespace {

// Linux enum tcp_conntrack in the order a connection goes through it; the
// simultaneous-open state SYN_SENT2 (numbered last in the kernel) sits
// between SYN_SENT and SYN_RECV (tcp_conntracks[]: sSS -> sS2 -> sSR).
constexpr std::array<std::string_view, 10> kLinuxOrder = {
    "NONE",     "SYN_SENT",   "SYN_SENT2", "SYN_RECV",  "ESTABLISHED",
    "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",  "TIME_WAIT", "CLOSE"};

// OVS enum ct_dpif_tcp_state (lib/ct-dpif.h): pf only ever raises a peer's
// state (tcp_conn_update(): "if (src->state < X) src->state = X").
constexpr std::array<std::string_view, 11> kOvsOrder = {
    "CLOSED",      "LISTEN",     "SYN_SENT", "SYN_RECV",   "ESTABLISHED", "CLOSE_WAIT",
    "FIN_WAIT_1",  "CLOSING",    "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT"};

template <size_t N>
std::optional<size_t> rank_in(const std::array<std::string_view, N>& order, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (order[i] == name) return i;
  }
  return std::nullopt;
}

// "A/B": the two peers' ranks.
std::optional<std::pair<size_t, size_t>> ovs_ranks(const std::string& state) {
  const size_t slash = state.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto a = rank_in(kOvsOrder, std::string_view(state).substr(0, slash));
  auto b = rank_in(kOvsOrder, std::string_view(state).substr(slash + 1));
  if (!a || !b) return std::nullopt;
  return std::pair{*a, *b};
}

constexpr size_t kOvsSynSent = 2;
constexpr size_t kOvsFinWait2 = 9;

}  // namespace

bool tcp_state_is_closing(const Profile& profile, const std::string& state) {
  if (profile.tcp_tracker == TcpTrackerKind::kOvsUserspace) {
    auto r = ovs_ranks(state);
    return r && r->first >= kOvsFinWait2 && r->second >= kOvsFinWait2;
  }
  return state == "TIME_WAIT" || state == "CLOSE";
}

bool tcp_reply_syn_is_new(const Profile& profile, const std::string& state) {
  if (profile.tcp_tracker != TcpTrackerKind::kOvsUserspace) return false;
  auto r = ovs_ranks(state);
  return r && r->second <= kOvsSynSent;
}

bool tcp_state_may_follow(const Profile& profile, const std::string& before,
                          const std::string& after) {
  if (before == after || tcp_state_is_closing(profile, before)) return true;
  if (profile.tcp_tracker == TcpTrackerKind::kOvsUserspace) {
    auto a = ovs_ranks(before), b = ovs_ranks(after);
    if (!a || !b) return true;
    return b->first >= a->first && b->second >= a->second;
  }
  // nf_conntrack_proto_tcp.c tcp_packet(): "This SYN/ACK acknowledges a SYN
  // that we earlier ignored as invalid ... We get in sync from the previously
  // annotated values": an ignored SYN and its SYN/ACK put any open state
  // back to SYN_RECV.
  if (after == "SYN_RECV") return true;
  auto a = rank_in(kLinuxOrder, before), b = rank_in(kLinuxOrder, after);
  if (!a || !b) return true;
  return *b >= *a;
}

}  // namespace ctc
