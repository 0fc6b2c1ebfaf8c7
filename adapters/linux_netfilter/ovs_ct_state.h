// The ct_state an OVS ct(table=T) lookup would hand to table T, computed from
// the conntrack verdict nf_conntrack gave one packet. This is how the kernel
// OVS datapath, which runs on nf_conntrack, derives ct_state
// (net/openvswitch/conntrack.c, Linux 6.1):
//
//   ovs_ct_get_state    +trk; +rpl for IP_CT_*_REPLY; +est for
//                       IP_CT_ESTABLISHED[_REPLY], +rel for
//                       IP_CT_RELATED[_REPLY], +new for IP_CT_NEW
//   ovs_ct_update_key   no connection after the lookup: +trk+inv. It also
//                       adds +new for an unconfirmed entry and +rel for one
//                       with a master; neither changes anything here: an
//                       entry conntrack found in its hash is confirmed (a
//                       packet on an unconfirmed one is IP_CT_NEW already),
//                       and only an expectation gives a master, which needs
//                       a helper the adapter's ruleset never assigns
//   __ovs_ct_lookup /   with `nat` on the lookup, a confirmed connection whose
//   ovs_ct_nat          status has IPS_SRC_NAT/IPS_DST_NAT is translated
//                       "like before" unless ctinfo is IP_CT_NEW (or
//                       IP_CT_RELATED, which only a commit NATs); each
//                       manipulation adds its bit (ovs_nat_update_key: SRC ->
//                       +snat, DST -> +dnat). Original direction: the
//                       connection's own kind first; reply direction: the
//                       inverse. A DNAT-only connection also gets a null SRC
//                       manipulation in the original direction, so it
//                       reports +snat+dnat there.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reference/conntrack/ct_types.h"

namespace ctc::linux_netfilter {

// nftables' view of a tracked packet (`ct state`, `ct direction`, `ct status
// snat/dnat`), which is nf_conntrack's ctinfo (NF_CT_STATE_BIT(ctinfo),
// CTINFO2DIR(ctinfo)) and the connection's NAT status bits.
struct LoggedCtState {
  enum class Kind { kNew, kEstablished, kRelated };
  Kind kind = Kind::kNew;
  bool reply = false; // IP_CT_IS_REPLY
  bool snat = false;  // IPS_SRC_NAT
  bool dnat = false;  // IPS_DST_NAT
  friend bool operator==(const LoggedCtState &,
                         const LoggedCtState &) = default;
};

// The NFLOG prefix the classify chain logs a packet with, and back:
// "ctc inv" for a packet conntrack left without a connection, otherwise
// "ctc new|est|rel orig|rpl[ snat][ dnat]".
std::string classify_log_prefix(const std::optional<LoggedCtState> &state);
// nullopt when `prefix` is none of those; an invalid packet gives an engaged
// result holding nullopt.
std::optional<std::optional<LoggedCtState>>
parse_classify_log_prefix(std::string_view prefix);

// `state` nullopt: conntrack left the packet without a connection (invalid).
CtState ovs_lookup_ct_state(const std::optional<LoggedCtState> &state,
                            bool nat_on_lookup);

} // namespace ctc::linux_netfilter
