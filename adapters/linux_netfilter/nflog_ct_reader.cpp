#include "adapters/linux_netfilter/nflog_ct_reader.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace ctc::linux_netfilter {
namespace {

std::string errno_text(const std::string &what) {
  return what + ": " + std::strerror(errno);
}

// One message (NFULA_CT is a few hundred bytes, the payload kLoggedBytes)
// fits many times over; libmnl suggests 8 KiB (MNL_SOCKET_BUFFER_SIZE).
constexpr size_t kReceiveBuffer = 8192;

nlmsghdr *start_config(char *buf, uint32_t seq) {
  nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = seq;
  auto *nfg = static_cast<nfgenmsg *>(
      mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(kClassifyLogGroup);
  return nlh;
}

// Sends one config request and waits for its acknowledgement.
Status send_config(mnl_socket *socket, nlmsghdr *nlh, const char *what) {
  if (mnl_socket_sendto(socket, nlh, nlh->nlmsg_len) < 0) {
    return io_error(errno_text(std::string("nflog config (") + what + ")"));
  }
  alignas(nlmsghdr) std::array<char, kReceiveBuffer> buf{};
  const ssize_t n = mnl_socket_recvfrom(socket, buf.data(), buf.size());
  if (n < 0 ||
      mnl_cb_run(buf.data(), static_cast<size_t>(n), nlh->nlmsg_seq,
                 mnl_socket_get_portid(socket), nullptr, nullptr) < 0) {
    return io_error(errno_text(std::string("nflog config (") + what + ")"));
  }
  return ok_status();
}

struct PacketAttributes {
  const nlattr *payload = nullptr;
  const nlattr *prefix = nullptr;
};

int on_packet_attribute(const nlattr *attr, void *data) {
  auto *out = static_cast<PacketAttributes *>(data);
  switch (mnl_attr_get_type(attr)) {
  case NFULA_PAYLOAD:
    out->payload = attr;
    break;
  case NFULA_PREFIX:
    if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
      out->prefix = attr;
    break;
  }
  return MNL_CB_OK;
}

// The packet's head as logged must be the injected packet's.
bool same_packet(const nlattr *payload, std::span<const uint8_t> injected) {
  if (!payload)
    return false;
  const auto *logged =
      static_cast<const uint8_t *>(mnl_attr_get_payload(payload));
  const size_t logged_len = mnl_attr_get_payload_len(payload);
  const size_t compared = std::min<size_t>(injected.size(), kLoggedBytes);
  return logged_len >= compared &&
         std::equal(injected.begin(), injected.begin() + compared, logged);
}

Result<ConntrackVerdict> parse_packet(const nlmsghdr *nlh,
                                      std::span<const uint8_t> injected) {
  if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
    return io_error("nflog: unexpected message type " +
                    std::to_string(nlh->nlmsg_type));
  }
  PacketAttributes attrs;
  if (mnl_attr_parse(nlh, sizeof(nfgenmsg), on_packet_attribute, &attrs) < 0) {
    return io_error(errno_text("nflog: malformed packet message"));
  }
  if (!same_packet(attrs.payload, injected)) {
    return internal_error(
        "nflog: a message for another packet than the one injected");
  }
  const char *prefix = attrs.prefix ? mnl_attr_get_str(attrs.prefix) : "";
  auto state = parse_classify_log_prefix(prefix);
  if (!state)
    return io_error(std::string("nflog: unexpected prefix '") + prefix + "'");
  return ConntrackVerdict{.state = *state};
}

} // namespace

Result<std::unique_ptr<NflogCtReader>>
NflogCtReader::open(const NetnsTopology &topology) {
  mnl_socket *socket = nullptr;
  Status st = topology.run_inside([&]() -> Status {
    socket = mnl_socket_open(NETLINK_NETFILTER);
    if (!socket)
      return io_error(errno_text("nflog socket in " + topology.name()));
    if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
      return io_error(errno_text("nflog bind in " + topology.name()));
    }
    return ok_status();
  });
  std::unique_ptr<NflogCtReader> reader(new NflogCtReader(socket));
  if (!st.ok())
    return st.error();

  alignas(nlmsghdr) std::array<char, kReceiveBuffer> buf{};
  nlmsghdr *bind = start_config(buf.data(), 1);
  const nfulnl_msg_config_cmd bind_cmd{.command = NFULNL_CFG_CMD_BIND};
  mnl_attr_put(bind, NFULA_CFG_CMD, sizeof bind_cmd, &bind_cmd);
  if (auto sent = send_config(socket, bind, "bind group"); !sent.ok())
    return sent.error();

  nlmsghdr *mode = start_config(buf.data(), 2);
  const nfulnl_msg_config_mode copy{.copy_range = htonl(kLoggedBytes),
                                    .copy_mode = NFULNL_COPY_PACKET,
                                    ._pad = 0};
  mnl_attr_put(mode, NFULA_CFG_MODE, sizeof copy, &copy);
  mnl_attr_put_u32(mode, NFULA_CFG_QTHRESH, htonl(1));
  if (auto sent = send_config(socket, mode, "copy mode, queue threshold");
      !sent.ok()) {
    return sent.error();
  }
  return reader;
}

NflogCtReader::~NflogCtReader() {
  if (socket_)
    mnl_socket_close(socket_);
}

Result<std::optional<ConntrackVerdict>>
NflogCtReader::take(std::span<const uint8_t> injected_ip) {
  alignas(nlmsghdr) std::array<char, kReceiveBuffer> buf;
  const ssize_t n =
      ::recv(mnl_socket_get_fd(socket_), buf.data(), buf.size(), MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return std::optional<ConntrackVerdict>{};
    // ENOBUFS: the kernel dropped messages; the verdicts are no longer exact.
    return io_error(errno_text("nflog receive"));
  }
  int remaining = static_cast<int>(n);
  const auto *nlh = reinterpret_cast<const nlmsghdr *>(buf.data());
  if (!mnl_nlmsg_ok(nlh, remaining))
    return io_error("nflog: truncated message");
  // With a queue threshold of 1 every message travels alone.
  // (mnl_nlmsg_next shortens `remaining`: call it before testing.)
  const nlmsghdr *next = mnl_nlmsg_next(nlh, &remaining);
  if (mnl_nlmsg_ok(next, remaining)) {
    return internal_error("nflog: more than one message for one packet");
  }
  auto verdict = parse_packet(nlh, injected_ip);
  if (!verdict.ok())
    return verdict.error();
  return std::optional<ConntrackVerdict>(std::move(*verdict));
}

void NflogCtReader::drain() {
  std::array<char, kReceiveBuffer> buf;
  while (::recv(mnl_socket_get_fd(socket_), buf.data(), buf.size(),
                MSG_DONTWAIT) > 0) {
  }
}

} // namespace ctc::linux_netfilter
