// The namespace's conntrack table through ctnetlink (libnetfilter_conntrack),
// normalised to the reference's ConnectionSnapshot:
//   protocol_state  TCP: the kernel's tcp_conntrack names as the reference's
//                   linux tracker prints them (nf_conntrack_tcp.h enum order:
//                   NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT
//                   LAST_ACK TIME_WAIT CLOSE SYN_SENT2); empty otherwise
//   remaining       CTA_TIMEOUT, whole seconds (the kernel rounds down)
//   snat/dnat       the status bits IPS_SRC_NAT / IPS_DST_NAT (set only when
//                   a binding changed the tuple; a null binding sets just
//                   IPS_*_NAT_DONE)
//   seen_reply      IPS_SEEN_REPLY
//   ICMP reply      id/type/code of the kernel's reply tuple (libnfct keeps
//                   them without attribute bits: read from its text form)
// The socket is opened by a thread inside the namespace, so every later
// query reaches that namespace's table and no other.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "adapters/linux_netfilter/netns_topology.h"
#include "reference/conntrack/conntrack.h"

struct nfct_handle;

namespace ctc::linux_netfilter {

class CtNetlinkTable {
 public:
  static Result<std::unique_ptr<CtNetlinkTable>> open(const NetnsTopology& topology);
  ~CtNetlinkTable();
  CtNetlinkTable(const CtNetlinkTable&) = delete;
  CtNetlinkTable& operator=(const CtNetlinkTable&) = delete;

  // Sorted by (zone, original tuple), as the reference dumps.
  Result<std::vector<ConnectionSnapshot>> dump();
  // nullopt: everything; otherwise the connections of one zone.
  Status flush(std::optional<Zone> zone);

 private:
  explicit CtNetlinkTable(nfct_handle* handle) : handle_(handle) {}
  nfct_handle* handle_ = nullptr;
};

// The reference linux tracker's name for a kernel TCP conntrack state.
std::string linux_tcp_state_name(uint8_t state);

}  // namespace ctc::linux_netfilter
