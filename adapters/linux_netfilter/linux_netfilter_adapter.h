// Adapter `linux-netfilter`: the real kernel nf_conntrack, in network
// namespaces this adapter creates and removes (netns_topology.h), driven by
// an nftables ruleset lifted from the scenario's flow program
// (firewall_policy.h), observed through TUN devices, ctnetlink
// (ctnetlink_table.h) and nfnetlink_log (nflog_ct_reader.h). See README.md
// beside this header for what is normalised and why.
//
// Capabilities: classification (the ct_state kernel OVS would derive from the
// conntrack verdict each packet got, ovs_ct_state.h), no labels, no virtual
// time (advance() sleeps in real time; timeouts are compared loosely),
// profile "linux" only.
#pragma once

#include <memory>

#include "adapters/adapter.h"
#include "adapters/registry.h"

namespace ctc {

// Error kUnsupported, with the reason, when this process cannot do it: not
// root / no CAP_NET_ADMIN or CAP_SYS_ADMIN, no /dev/net/tun, no `ip`/`nft`.
Result<std::unique_ptr<Adapter>> make_linux_netfilter_adapter(const AdapterOptions& options);

// Why the adapter cannot run here; empty when it can.
std::string linux_netfilter_unavailable_reason();

}  // namespace ctc
