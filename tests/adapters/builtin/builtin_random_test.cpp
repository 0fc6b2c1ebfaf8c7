// Seeded random scripts, run on the reference oracle and on the built-in
// engine: TCP segments with plausible and implausible sequence numbers,
// UDP, ICMP echo and errors quoting recent packets, corrupted bytes, time
// steps and dumps. Any difference names the seed and the step line, so it
// replays with --gtest_filter and the seed alone.
#include <cstdlib>
#include <random>

#include "tests/adapters/builtin/harness.h"

namespace ctc::builtin_test {
namespace {

using namespace tcp_flag;

// Which program the replies are aimed at: after SNAT they come back to the
// public address, after DNAT they come from the real server.
enum class Nat { kNone, kSnat, kDnat };

const IpAddress kServer = IpAddress::v4(10, 1, 1, 9);

class ScriptGen {
 public:
  ScriptGen(uint32_t seed, bool v6_too, Nat nat) : rng_(seed), v6_too_(v6_too), nat_(nat) {}

  std::vector<Step> script(size_t n) {
    std::vector<Step> steps;
    for (size_t i = 0; i < n; ++i) steps.push_back(step());
    steps.push_back(dump());
    return steps;
  }

 private:
  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  bool chance(uint32_t percent) { return pick(100) < percent; }

  struct Flow {
    IpAddress a, b;
    uint16_t pa, pb;
    uint32_t next[2] = {0, 0};  // next sequence number each way
  };

  Flow& flow() {
    if (flows_.empty() || (flows_.size() < 6 && chance(15))) {
      const bool v6 = v6_too_ && chance(30);
      Flow f;
      f.a = v6 ? kA6 : (chance(80) ? kA : kC);
      f.b = v6 ? kB6 : kB;
      f.pa = static_cast<uint16_t>(chance(90) ? 1000 + pick(4) : pick(2));
      f.pb = static_cast<uint16_t>(chance(90) ? 80 : pick(3));
      f.next[0] = rng_();
      f.next[1] = rng_();
      flows_.push_back(f);
    }
    return flows_[pick(static_cast<uint32_t>(flows_.size()))];
  }

  uint8_t flags() {
    static constexpr uint8_t kCommon[] = {kSyn, kSyn | kAck, kAck, kAck | kPsh, kFin | kAck,
                                          kRst, kRst | kAck, kAck, kAck, kSyn};
    if (chance(8)) return static_cast<uint8_t>(rng_());
    return kCommon[pick(std::size(kCommon))];
  }

  Packet tcp_segment(Flow& f, int dir) {
    const uint8_t fl = flags();
    uint32_t seq = f.next[dir];
    uint32_t ack = f.next[1 - dir];
    if (chance(15)) seq += static_cast<uint32_t>(pick(200000)) - 100000;
    if (chance(10)) ack += static_cast<uint32_t>(pick(200000)) - 100000;
    if (chance(3)) seq = 0;
    if (chance(3)) ack = 0;
    static constexpr size_t kLens[] = {0, 0, 0, 1, 100, 1400};
    const size_t len = (fl & (kSyn | kRst)) && chance(80) ? 0 : kLens[pick(std::size(kLens))];
    static constexpr uint16_t kWindows[] = {65535, 65535, 1000, 0, 29200, 5};
    PacketBuilder b;
    const bool fwd = dir == 0;
    b.ip(fwd ? f.a : f.b, fwd ? f.b : f.a)
        .tcp(fwd ? f.pa : f.pb, fwd ? f.pb : f.pa, fl, seq, ack, kWindows[pick(std::size(kWindows))]);
    if ((fl & kSyn) && chance(60)) {
      b.tcp_option(TcpOption::mss(1460));
      if (chance(70)) b.tcp_option(TcpOption::window_scale(static_cast<uint8_t>(pick(16))));
      if (chance(50)) b.tcp_option(TcpOption::sack_permitted());
      b.tcp_option(TcpOption::nop());
    }
    if (len) b.payload_size(len);
    if (chance(70)) f.next[dir] = seq + static_cast<uint32_t>(len) + ((fl & (kSyn | kFin)) ? 1 : 0);
    Packet p = b.packet();
    if (!fwd) as_seen_outside(p, true);
    return p;
  }

  Packet other_packet(Flow& f, int dir) {
    const bool fwd = dir == 0;
    const IpAddress& s = fwd ? f.a : f.b;
    const IpAddress& d = fwd ? f.b : f.a;
    PacketBuilder b;
    b.ip(s, d);
    switch (pick(3)) {
      case 0: b.udp(fwd ? f.pa : f.pb, fwd ? f.pb : f.pa).payload_size(pick(30)); break;
      case 1:
        if (chance(50)) {
          b.icmp_echo_request(f.pa, static_cast<uint16_t>(pick(3)));
        } else {
          b.icmp_echo_reply(f.pa, static_cast<uint16_t>(pick(3)));
        }
        break;
      default: {
        if (recent_.empty()) {
          b.udp(1, 2);
          break;
        }
        Packet q = recent_[pick(static_cast<uint32_t>(recent_.size()))];
        if (!fwd) {
          as_seen_outside(q, false);
          b.ip(s, q.ip->src);
        }
        if (q.ip->family != s.family) {
          b.udp(3, 4);
          break;
        }
        const uint8_t type = s.is_v4() ? (chance(70) ? 3 : 11) : (chance(70) ? 1 : 3);
        static constexpr size_t kQuote[] = {8, 8, 20, 28, 2, 4};
        b.icmp_error(type, static_cast<uint8_t>(pick(4)), q, kQuote[pick(std::size(kQuote))]);
        break;
      }
    }
    Packet p = b.packet();
    if (!fwd) as_seen_outside(p, true);
    return p;
  }

  // What the far side sees of a packet (or of a quoted packet) after NAT.
  void as_seen_outside(Packet& p, bool reply) {
    if (nat_ == Nat::kNone || !p.ip || !p.ip->src.is_v4() || !chance(85)) return;
    IpAddress& inside = reply ? p.ip->dst : p.ip->src;
    IpAddress& outside = reply ? p.ip->src : p.ip->dst;
    if (nat_ == Nat::kSnat && (inside == kA || inside == kC)) inside = kPublic;
    if (nat_ == Nat::kDnat && outside == kB) {
      outside = kServer;
      if (TcpHeader* t = p.tcp()) (reply ? t->src_port : t->dst_port) = 8080;
    }
  }

  // Rarer header shapes: fragments, IPv4 options, IPv6 extension headers, VLAN.
  void decorate(Packet& p) {
    if (chance(4)) {
      if (p.ip->family == IpFamily::kV4) {
        p.ip->more_fragments = chance(50);
        p.ip->fragment_offset = chance(50) ? 0 : static_cast<uint16_t>(1 + pick(100));
      } else {
        p.ip->fragment = Ipv6FragmentHeader{static_cast<uint16_t>(chance(50) ? 0 : 1 + pick(100)),
                                            chance(50), static_cast<uint32_t>(rng_())};
      }
    }
    if (chance(4)) {
      if (p.ip->family == IpFamily::kV4) {
        p.ip->options = {1, 1, 1, 0};
      } else {
        p.ip->extension_headers.push_back({ip_proto::kHopByHop, std::vector<uint8_t>(6, 0)});
      }
    }
    if (chance(4)) p.eth->vlan_tci = static_cast<uint16_t>(pick(65536));
    if (chance(2)) p.ip->ttl = static_cast<uint8_t>(pick(3));
  }

  Step step() {
    const uint32_t r = pick(100);
    if (r < 6) return advance(static_cast<int64_t>(std::array<int, 6>{1, 2, 10, 31, 65, 130}[pick(6)]));
    if (r < 10) return dump();
    Flow& f = flow();
    const int dir = chance(55) ? 0 : 1;
    Packet p = r < 70 ? tcp_segment(f, dir) : other_packet(f, dir);
    if (p.tcp() || p.udp()) {
      recent_.push_back(p);
      if (recent_.size() > 8) recent_.erase(recent_.begin());
    }
    decorate(p);
    std::vector<uint8_t> frame = serialize_frame(p);
    if (chance(4)) {
      const size_t at = 14 + pick(static_cast<uint32_t>(frame.size() - 14));
      frame[at] ^= static_cast<uint8_t>(1u << pick(8));
    }
    if (chance(2)) frame.resize(frame.size() - 1 - pick(static_cast<uint32_t>(frame.size() / 2)));
    if (chance(3)) frame.resize(frame.size() + 1 + pick(10), 0);
    return Inject{static_cast<uint16_t>(dir == 0 ? 1 : 2), std::move(frame)};
  }

  std::mt19937 rng_;
  bool v6_too_;
  Nat nat_;
  std::vector<Flow> flows_;
  std::vector<Packet> recent_;
};

struct Program {
  const char* name;
  const std::string* flows;
};

const std::string kDnat =
    "table=0,ip,actions=ct(table=1,zone=1,nat)\n"
    "table=1,in_port=1,ct_state=+trk+new,tcp,actions=ct(commit,zone=1,nat(dst=10.1.1.9:8080)),output:2\n"
    "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(dst=10.1.1.9)),output:2\n"
    "table=1,ct_state=+trk+est,in_port=1,actions=output:2\n"
    "table=1,ct_state=+trk+est,in_port=2,actions=output:1\n"
    "table=1,ct_state=+trk+rel,actions=output:4\n"
    "table=1,ct_state=+trk+inv,actions=output:3\n"
    "table=1,priority=0,actions=drop\n";

const std::string kRewrite =
    "table=0,priority=10,tcp,actions=mod_tp_src:7,dec_ttl,ct(commit,zone=3),output:2\n"
    "table=0,priority=10,udp,actions=mod_nw_dst:10.9.9.9,ct(table=1,zone=3)\n"
    "table=0,priority=5,ip,actions=mod_dl_dst:02:00:00:00:00:01,ct(commit,zone=4,table=1)\n"
    "table=0,priority=0,actions=mod_dl_src:02:00:00:00:00:03,output:4\n"
    "table=1,ip,ct_state=+trk+new,actions=ct(commit,zone=3),output:3\n"
    "table=1,priority=0,actions=output:2\n";

constexpr int kScripts = 60;
constexpr size_t kSteps = 80;

class BuiltinRandom : public ::testing::TestWithParam<const Profile*> {
 protected:
  void run(const std::string& flows, bool v6, uint32_t seed_base, Nat nat = Nat::kNone) {
    // BUILTIN_RANDOM_SCRIPTS=N runs more scripts (soak); the default keeps CI fast.
    const char* env = std::getenv("BUILTIN_RANDOM_SCRIPTS");
    const int scripts = env != nullptr ? std::atoi(env) : kScripts;
    for (int i = 0; i < scripts; ++i) {
      const uint32_t seed = seed_base + static_cast<uint32_t>(i);
      ScriptGen gen(seed, v6, nat);
      const auto steps = gen.script(kSteps);
      ASSERT_TRUE(same_as_reference(*GetParam(), flows, steps)) << "seed " << seed;
    }
  }
};

TEST_P(BuiltinRandom, FirewallMatchesReference) { run(kFirewall, true, 1000); }
TEST_P(BuiltinRandom, CommitAllMatchesReference) { run(kCommitAll, true, 2000); }
TEST_P(BuiltinRandom, SnatMatchesReference) { run(kSnat, false, 3000, Nat::kSnat); }
TEST_P(BuiltinRandom, DnatMatchesReference) { run(kDnat, false, 4000, Nat::kDnat); }
TEST_P(BuiltinRandom, RewritesMatchReference) { run(kRewrite, true, 5000); }

INSTANTIATE_TEST_SUITE_P(Profiles, BuiltinRandom, ::testing::ValuesIn(kProfiles),
                         [](const auto& info) {
                           return info.param->name == "linux" ? std::string("Linux")
                                                              : std::string("OvsUserspace");
                         });

}  // namespace
}  // namespace ctc::builtin_test
