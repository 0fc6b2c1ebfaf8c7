// The per-packet conntrack verdict of the namespace, read from nfnetlink_log.
//
// The ruleset's classify chains (nft_render.cpp) run after conntrack and
// before NAT and log every tracked packet to one NFLOG group, exactly once,
// through mutually exclusive rules whose prefix names what nftables saw
// (`ct state`, `ct direction`, `ct status snat/dnat`; ovs_ct_state.h
// classify_log_prefix). This reader binds that group from a socket opened
// inside the namespace with:
//   - queue threshold 1: nfulnl_log_packet (net/netfilter/nfnetlink_log.c)
//     sends the instance's batch as soon as it holds that many messages, so
//     each message is queued on our socket while the packet is still being
//     processed. A TUN write runs the receive path in the writer's context
//     (drivers/net/tun.c tun_rx_batched: netif_receive_skb under
//     local_bh_disable), so the message is there when write() returns: one
//     non-blocking recv per injected packet;
//   - copy mode packet, kLoggedBytes: the head of the logged packet, compared
//     with the injected one so that a message is never credited to another
//     packet (nothing before the chain rewrites it: NAT comes later).
// A packet conntrack never saw (dropped in the raw chain, the notrack'ed
// probe) produces no message.
//
// The kernel could attach the conntrack itself (NFULNL_CFG_F_CONNTRACK:
// NFULA_CT, NFULA_CT_INFO), but only with CONFIG_NETFILTER_NETLINK_GLUE_CT,
// which kernels here lack; nftables' own view needs nothing optional.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "adapters/linux_netfilter/netns_topology.h"
#include "adapters/linux_netfilter/ovs_ct_state.h"

struct mnl_socket;

namespace ctc::linux_netfilter {

// NFLOG groups are per network namespace; the namespace is ours.
inline constexpr uint16_t kClassifyLogGroup = 1;
inline constexpr uint32_t kLoggedBytes = 64;
// The classify chain's hook priority: between conntrack (-200) and mangle
// (-150).
inline constexpr int kClassifyPriority = -175;

// One logged packet: what nftables saw, nullopt for "ct state invalid".
struct ConntrackVerdict {
  std::optional<LoggedCtState> state;
};

class NflogCtReader {
public:
  static Result<std::unique_ptr<NflogCtReader>>
  open(const NetnsTopology &topology);
  ~NflogCtReader();
  NflogCtReader(const NflogCtReader &) = delete;
  NflogCtReader &operator=(const NflogCtReader &) = delete;

  // The verdict for `injected_ip`, the packet just written to a TUN: nullopt
  // when no message is waiting (conntrack did not see it). An error when a
  // message does not belong to that packet or messages were lost (ENOBUFS).
  Result<std::optional<ConntrackVerdict>>
  take(std::span<const uint8_t> injected_ip);

  // Discards whatever is queued (at load, with the TUN drain).
  void drain();

private:
  explicit NflogCtReader(mnl_socket *socket) : socket_(socket) {}
  mnl_socket *socket_ = nullptr;
};

} // namespace ctc::linux_netfilter
