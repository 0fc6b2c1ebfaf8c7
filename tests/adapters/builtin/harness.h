// Differential harness for the built-in engine: one script of steps runs on
// the reference adapter and on the builtin adapter; every observation (the
// frames out, the classification, each table dump) is written as one line,
// and the two lists must be equal. A fault shows as a differing line.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "adapters/builtin/builtin_adapter.h"
#include "adapters/reference/reference_adapter.h"
#include "reference/packet/packet_builder.h"

namespace ctc::builtin_test {

struct Inject {
  uint16_t port = 1;
  std::vector<uint8_t> frame;
};
struct Advance {
  Duration by;
};
struct Dump {};
struct Flush {
  std::optional<Zone> zone;
};
using Step = std::variant<Inject, Advance, Dump, Flush>;

inline std::string hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

inline std::string describe(const ConnectionSnapshot& c) {
  std::ostringstream os;
  os << c << " remaining_ns=" << c.remaining.ns << " seen_reply=" << c.seen_reply;
  return os.str();
}

inline std::vector<std::string> observe(Adapter& adapter, const Profile& profile,
                                        const std::string& flows, const std::vector<Step>& steps) {
  std::vector<std::string> lines;
  ScenarioSetup setup;
  setup.ports = {{Port{1}, "a"}, {Port{2}, "b"}, {Port{3}, "c"}, {Port{4}, "d"}};
  setup.flows = flows;
  setup.profile = &profile;
  if (Status s = adapter.load(setup); !s.ok()) {
    lines.push_back("load failed: " + s.error().message);
    return lines;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    std::ostringstream os;
    os << "#" << i << " ";
    if (const auto* in = std::get_if<Inject>(&step)) {
      auto r = adapter.inject(Port{in->port}, in->frame);
      if (!r.ok()) {
        os << "inject error " << r.error().message;
      } else {
        os << "ct=" << (r->classification ? r->classification->to_string() : "none") << " out=";
        for (const OutputFrame& o : r->outputs) os << "[" << o.port.value << ":" << hex(o.bytes) << "]";
      }
    } else if (const auto* a = std::get_if<Advance>(&step)) {
      os << "advance " << a->by.ns << (adapter.advance(a->by).ok() ? "" : " failed");
    } else if (std::holds_alternative<Dump>(step)) {
      auto rows = adapter.dump_table();
      os << "dump";
      if (rows.ok()) {
        for (const ConnectionSnapshot& c : *rows) os << "\n  " << describe(c);
      } else {
        os << " error";
      }
    } else if (const auto* f = std::get_if<Flush>(&step)) {
      os << "flush " << (f->zone ? std::to_string(f->zone->value) : "all")
         << (adapter.flush(f->zone).ok() ? "" : " failed");
    }
    lines.push_back(os.str());
  }
  return lines;
}

// Index of the first differing line, or nullopt.
inline std::optional<size_t> first_difference(const std::vector<std::string>& a,
                                              const std::vector<std::string>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i >= a.size() || i >= b.size() || a[i] != b[i]) return i;
  }
  return std::nullopt;
}

inline std::vector<std::string> observe_reference(const Profile& profile, const std::string& flows,
                                                  const std::vector<Step>& steps) {
  auto adapter = make_reference_adapter();
  return observe(*adapter, profile, flows, steps);
}

inline std::vector<std::string> observe_builtin(const Profile& profile, const std::string& flows,
                                                const std::vector<Step>& steps,
                                                BuiltinOptions options = {}) {
  auto adapter = make_builtin_adapter(options);
  return observe(*adapter, profile, flows, steps);
}

// The builtin engine must observe exactly what the reference does.
inline ::testing::AssertionResult same_as_reference(const Profile& profile, const std::string& flows,
                                                    const std::vector<Step>& steps) {
  const auto want = observe_reference(profile, flows, steps);
  const auto got = observe_builtin(profile, flows, steps);
  if (!want.empty() && want[0].starts_with("load failed")) {
    return ::testing::AssertionFailure() << "reference: " << want[0];
  }
  if (const char* env = std::getenv("BUILTIN_TEST_VERBOSE"); env != nullptr) {
    for (const std::string& line : got) std::cerr << line << "\n";
  }
  const auto diff = first_difference(want, got);
  if (!diff) return ::testing::AssertionSuccess();
  auto line = [](const std::vector<std::string>& v, size_t i) { return i < v.size() ? v[i] : "<none>"; };
  return ::testing::AssertionFailure() << "profile " << profile.name << ", step line " << *diff
                                       << "\n reference: " << line(want, *diff)
                                       << "\n builtin:   " << line(got, *diff);
}

// Does the faulty engine observe something the reference does not?
inline bool fault_visible(const Profile& profile, const std::string& flows,
                          const std::vector<Step>& steps, BuiltinFault fault) {
  const auto want = observe_reference(profile, flows, steps);
  const auto got = observe_builtin(profile, flows, steps, BuiltinOptions{.fault = fault});
  return first_difference(want, got).has_value();
}

// --- frames ------------------------------------------------------------------

inline const IpAddress kA = IpAddress::v4(10, 1, 1, 1);
inline const IpAddress kB = IpAddress::v4(10, 1, 1, 2);
inline const IpAddress kC = IpAddress::v4(10, 1, 1, 3);
inline const IpAddress kRouter = IpAddress::v4(10, 1, 1, 254);
inline const IpAddress kPublic = IpAddress::v4(192, 0, 2, 1);
inline const IpAddress kA6 = IpAddress::parse("fd00::1").value();
inline const IpAddress kB6 = IpAddress::parse("fd00::2").value();
inline const IpAddress kRouter6 = IpAddress::parse("fd00::fe").value();

inline Packet tcp_packet(const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp,
                         uint8_t flags, uint32_t seq, uint32_t ack = 0, size_t len = 0,
                         uint16_t window = 65535) {
  PacketBuilder b;
  b.ip(s, d).tcp(sp, dp, flags, seq, ack, window);
  if (len) b.payload_size(len);
  return b.packet();
}
inline Step tcp(uint16_t port, const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp,
                uint8_t flags, uint32_t seq, uint32_t ack = 0, size_t len = 0) {
  return Inject{port, serialize_frame(tcp_packet(s, sp, d, dp, flags, seq, ack, len))};
}
inline Packet udp_packet(const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp) {
  return PacketBuilder().ip(s, d).udp(sp, dp).payload_size(12).packet();
}
inline Step udp(uint16_t port, const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp) {
  return Inject{port, serialize_frame(udp_packet(s, sp, d, dp))};
}
inline Step echo(uint16_t port, const IpAddress& s, const IpAddress& d, uint16_t id, bool reply = false) {
  PacketBuilder b;
  b.ip(s, d);
  if (reply) {
    b.icmp_echo_reply(id, 1);
  } else {
    b.icmp_echo_request(id, 1);
  }
  return Inject{port, b.frame()};
}
inline Step icmp_error(uint16_t port, const IpAddress& s, const IpAddress& d, uint8_t type,
                       uint8_t code, const Packet& quoted, size_t quoted_l4 = 8) {
  return Inject{port, PacketBuilder().ip(s, d).icmp_error(type, code, quoted, quoted_l4).frame()};
}
inline Step raw(uint16_t port, const Packet& p) { return Inject{port, serialize_frame(p)}; }
inline Step advance(int64_t seconds) { return Advance{Duration::seconds(seconds)}; }
inline Step dump() { return Dump{}; }

// A two-port stateful firewall: port 1 inside may open, port 2 answers;
// invalid packets are audited on port 3.
inline const std::string kFirewall =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=100,ipv6,actions=ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
    "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"
    "table=1,priority=80,in_port=2,ct_state=+trk+rel,actions=output:1\n"
    "table=1,priority=80,in_port=1,ct_state=+trk+rel,actions=output:2\n"
    "table=1,priority=70,ct_state=+trk+inv,actions=output:3\n"
    "table=1,priority=0,actions=drop\n";

// Everything goes through ct(commit) so that each packet's verdict shows.
inline const std::string kCommitAll =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=100,ipv6,actions=ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=output:4\n"
    "table=1,priority=100,ip,in_port=1,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=100,ipv6,in_port=1,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=100,ip,in_port=2,actions=ct(commit,zone=1),output:1\n"
    "table=1,priority=100,ipv6,in_port=2,actions=ct(commit,zone=1),output:1\n";

// A SNAT gateway: inside port 1 leaves as 192.0.2.1.
inline const std::string kSnat =
    "table=0,ip,actions=ct(table=1,zone=1,nat)\n"
    "table=0,ipv6,actions=ct(table=1,zone=1,nat)\n"
    "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0.2.1)),output:2\n"
    "table=1,in_port=1,ct_state=+trk+est,actions=output:2\n"
    "table=1,in_port=2,ct_state=+trk+est,actions=output:1\n"
    "table=1,in_port=2,ct_state=+trk+rel,actions=output:1\n"
    "table=1,in_port=1,ct_state=+trk+rel,actions=output:2\n"
    "table=1,ct_state=+trk+inv,actions=output:3\n"
    "table=1,priority=0,actions=drop\n";

inline const Profile* kProfiles[] = {&linux_profile(), &ovs_userspace_profile()};

}  // namespace ctc::builtin_test
