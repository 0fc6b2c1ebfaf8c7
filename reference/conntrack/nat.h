// NAT inside conntrack: choosing the translated tuple when a connection is
// committed with nat(src=...)/nat(dst=...), and rewriting packets (and the
// packet quoted by a RELATED ICMP error) as the connection says.
#pragma once

#include <functional>
#include <optional>

#include "reference/conntrack/conntrack.h"

namespace ctc {

// The reply tuple for a new connection `original` under `range`, or nullopt
// when every candidate is taken. `in_use(reply)` says whether a candidate
// collides with an existing connection.
//
// Candidates are tried in a fixed order: addresses from the low end of the
// range; the original port first when the range allows it, then the range's
// ports from the low end. Without a port range, SNAT walks up from the
// original port within its class (1-511, 600-1023, 1024-65535), wrapping, as
// OVS nat_get_unique_tuple does; Linux starts at a hashed offset. With an
// explicit range both start from a hash, so with more than one candidate
// their choice differs from ours: scenarios that compare bytes use
// single-address, single-port ranges.
//
// ICMP queries have no ports; with `remap_icmp_id` their identifier takes
// the port's place, for SNAT and DNAT alike: the original identifier first,
// then up from it through 0-65535, wrapping. A port range of the action does
// not constrain it (as nftables, which takes proto ranges for TCP/UDP only;
// kernel OVS would pass it as NF_NAT_RANGE_PROTO_SPECIFIED: not modelled).
// Without `remap_icmp_id` only addresses are tried.
struct NatChoiceOptions {
  // Profile::dnat_may_remap_source_port: when no destination is free, a DNAT
  // then keeps the first destination candidate and walks the source port up
  // from the original one within its class, as for SNAT without a port range.
  bool dnat_may_remap_source_port = false;
  bool remap_icmp_id = false;  // Profile::nat_remaps_icmp_id
};

std::optional<Tuple> choose_nat_tuple(const Tuple& original, const NatRange& range,
                                      const std::function<bool(const Tuple&)>& in_use,
                                      NatChoiceOptions options = {});

// Rewrites `packet` travelling in `direction` of a connection with tuples
// (original, reply). For a RELATED ICMP error (`related`), the outer header's
// translated side and the quoted packet are rewritten (Linux
// nf_nat_icmp_reply_translation, OVS reverse_nat_packet). Returns the ct_state
// bits to add: kSnat or kDnat, which flip in the reply direction (OVS
// un_nat_packet, kernel ovs_ct_nat). An ICMP query whose identifier the NAT
// moved carries the other direction's identifier afterwards, and so does a
// query quoted by a RELATED error (Linux icmp_manip_pkt() on the outer or
// the inner header).
uint8_t apply_nat(Packet& packet, const Tuple& original, const Tuple& reply, bool snat, bool dnat,
                  Direction direction, bool related);

}  // namespace ctc
