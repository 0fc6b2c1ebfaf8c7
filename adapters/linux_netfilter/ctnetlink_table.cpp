#include "adapters/linux_netfilter/ctnetlink_table.h"

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>

namespace ctc::linux_netfilter {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

IpAddress address(const nf_conntrack* ct, uint8_t l3, nf_conntrack_attr v4_attr,
                  nf_conntrack_attr v6_attr) {
  if (l3 == AF_INET) {
    return IpAddress::v4(ntohl(nfct_get_attr_u32(ct, v4_attr)));
  }
  std::array<uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), nfct_get_attr(ct, v6_attr), 16);
  return IpAddress::v6(bytes);
}

bool is_icmp(uint8_t protocol) { return protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6; }

Tuple original_tuple(const nf_conntrack* ct) {
  const uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
  Tuple t;
  t.src = address(ct, l3, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
  t.dst = address(ct, l3, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
  t.protocol = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
  if (is_icmp(t.protocol)) {
    t.icmp_id = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
    t.icmp_type = nfct_get_attr_u8(ct, ATTR_ICMP_TYPE);
    t.icmp_code = nfct_get_attr_u8(ct, ATTR_ICMP_CODE);
  } else if (nfct_attr_is_set(ct, ATTR_ORIG_PORT_SRC) > 0) {
    t.src_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
    t.dst_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
  }
  return t;
}

// The value after the `n`-th "key=" in `text`, if any.
std::optional<unsigned> field_value(const std::string& text, const std::string& key, int n) {
  size_t at = 0;
  for (int i = 0; i <= n; ++i) {
    at = text.find(" " + key + "=", i == 0 ? 0 : at + 1);
    if (at == std::string::npos) return std::nullopt;
  }
  return static_cast<unsigned>(std::strtoul(text.c_str() + at + key.size() + 2, nullptr, 10));
}

// libnetfilter_conntrack 1.0.9 parses the reply tuple's ICMP id/type/code
// but sets no attribute bit for them (only ATTR_ICMP_* of the original), so
// nfct_get_attr cannot read them; its own text form prints them, second after
// the original's. Without them, the reply is the original's inverse.
void read_reply_icmp(const nf_conntrack* ct, Tuple& t) {
  Tuple inverse = original_tuple(ct).reversed();
  t.icmp_id = inverse.icmp_id;
  t.icmp_type = inverse.icmp_type;
  t.icmp_code = inverse.icmp_code;
  char buf[1024];
  if (nfct_snprintf(buf, sizeof buf, ct, NFCT_T_UNKNOWN, NFCT_O_DEFAULT, 0) <= 0) return;
  const std::string text(buf);
  auto type = field_value(text, "type", 1);
  auto code = field_value(text, "code", 1);
  auto id = field_value(text, "id", 1);
  if (!type || !code || !id) return;
  t.icmp_type = static_cast<uint8_t>(*type);
  t.icmp_code = static_cast<uint8_t>(*code);
  t.icmp_id = static_cast<uint16_t>(*id);
}

Tuple reply_tuple(const nf_conntrack* ct) {
  const uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
  Tuple t;
  t.src = address(ct, l3, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC);
  t.dst = address(ct, l3, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST);
  t.protocol = nfct_get_attr_u8(ct, ATTR_REPL_L4PROTO);
  if (is_icmp(t.protocol)) {
    read_reply_icmp(ct, t);
  } else if (nfct_attr_is_set(ct, ATTR_REPL_PORT_SRC) > 0) {
    t.src_port = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
    t.dst_port = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
  }
  return t;
}

ConnectionSnapshot snapshot(const nf_conntrack* ct) {
  ConnectionSnapshot s;
  s.zone =
      Zone{nfct_attr_is_set(ct, ATTR_ZONE) > 0 ? nfct_get_attr_u16(ct, ATTR_ZONE) : uint16_t{0}};
  s.original = original_tuple(ct);
  s.reply = reply_tuple(ct);
  s.mark = nfct_attr_is_set(ct, ATTR_MARK) > 0 ? nfct_get_attr_u32(ct, ATTR_MARK) : 0;
  if (s.original.protocol == IPPROTO_TCP && nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0) {
    s.protocol_state = linux_tcp_state_name(nfct_get_attr_u8(ct, ATTR_TCP_STATE));
  }
  s.remaining = Duration::seconds(nfct_get_attr_u32(ct, ATTR_TIMEOUT));
  const uint32_t status = nfct_get_attr_u32(ct, ATTR_STATUS);
  // nf_nat_core.c nf_nat_setup_info sets IPS_SRC_NAT / IPS_DST_NAT only when
  // the binding changed the tuple (a null binding sets the *_NAT_DONE bits
  // alone). libnetfilter_conntrack's NFCT_GOPT_IS_SPAT/DPAT compare the
  // port fields, which for ICMP hold the id on one side and type/code on
  // the other, so they call every NATed ICMP connection both.
  s.snat = (status & IPS_SRC_NAT) != 0;
  s.dnat = (status & IPS_DST_NAT) != 0;
  s.seen_reply = (status & IPS_SEEN_REPLY) != 0;
  return s;
}

struct DumpState {
  std::vector<ConnectionSnapshot> rows;
  std::optional<Zone> collect_zone;       // flush(zone): keep matching entries
  std::vector<nf_conntrack*> to_destroy;  // owned clones
};

int on_entry(enum nf_conntrack_msg_type, struct nf_conntrack* ct, void* data) {
  auto* state = static_cast<DumpState*>(data);
  ConnectionSnapshot row = snapshot(ct);
  if (state->collect_zone) {
    if (row.zone == *state->collect_zone) state->to_destroy.push_back(nfct_clone(ct));
  } else {
    state->rows.push_back(std::move(row));
  }
  return NFCT_CB_CONTINUE;
}

Status dump_into(nfct_handle* handle, DumpState& state) {
  nfct_callback_unregister(handle);
  if (nfct_callback_register(handle, NFCT_T_ALL, on_entry, &state) != 0) {
    return io_error(errno_text("nfct_callback_register"));
  }
  uint32_t family = AF_UNSPEC;  // both families
  const int rc = nfct_query(handle, NFCT_Q_DUMP, &family);
  nfct_callback_unregister(handle);
  if (rc != 0) return io_error(errno_text("ctnetlink dump"));
  return ok_status();
}

}  // namespace

std::string linux_tcp_state_name(uint8_t state) {
  static constexpr const char* kNames[] = {"NONE",     "SYN_SENT",   "SYN_RECV", "ESTABLISHED",
                                           "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                           "CLOSE",    "SYN_SENT2"};
  if (state < std::size(kNames)) return kNames[state];
  return "UNKNOWN(" + std::to_string(state) + ")";
}

Result<std::unique_ptr<CtNetlinkTable>> CtNetlinkTable::open(const NetnsTopology& topology) {
  nfct_handle* handle = nullptr;
  Status st = topology.run_inside([&]() -> Status {
    handle = nfct_open(CONNTRACK, 0);
    if (!handle) return io_error(errno_text("nfct_open in " + topology.name()));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return std::unique_ptr<CtNetlinkTable>(new CtNetlinkTable(handle));
}

CtNetlinkTable::~CtNetlinkTable() {
  if (handle_) nfct_close(handle_);
}

Result<std::vector<ConnectionSnapshot>> CtNetlinkTable::dump() {
  DumpState state;
  if (auto st = dump_into(handle_, state); !st.ok()) return st.error();
  std::sort(state.rows.begin(), state.rows.end(),
            [](const ConnectionSnapshot& a, const ConnectionSnapshot& b) {
              return std::tie(a.zone, a.original) < std::tie(b.zone, b.original);
            });
  return std::move(state.rows);
}

Status CtNetlinkTable::flush(std::optional<Zone> zone) {
  if (!zone) {
    uint32_t family = AF_UNSPEC;  // every family (ctnetlink_flush_conntrack)
    if (nfct_query(handle_, NFCT_Q_FLUSH, &family) != 0) {
      return io_error(errno_text("ctnetlink flush"));
    }
    return ok_status();
  }
  DumpState state;
  state.collect_zone = zone;
  Status st = dump_into(handle_, state);
  for (nf_conntrack* ct : state.to_destroy) {
    // ENOENT: it expired or went meanwhile, which is what we wanted.
    if (st.ok() && nfct_query(handle_, NFCT_Q_DESTROY, ct) != 0 && errno != ENOENT) {
      st = io_error(errno_text("ctnetlink destroy"));
    }
    nfct_destroy(ct);
  }
  return st;
}

}  // namespace ctc::linux_netfilter
