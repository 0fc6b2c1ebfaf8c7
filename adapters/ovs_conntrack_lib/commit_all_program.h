// The one flow-program shape this adapter runs: the pipeline that
// `ovstest test-conntrack pcap` stands for. test-conntrack.c
// (pcap_batch_execute_conntrack, OVS 3.1.0) calls conntrack_execute() on every
// packet with commit=true, force=false, zone 0, no mark, label, NAT or helper;
// as a flow program that is
//
//   table=0,ip,actions=ct(commit,table=1)
//   table=0,ipv6,actions=ct(commit,table=1)
//   table=1,in_port=1,actions=output:2
//   table=1,in_port=2,actions=output:1
//
// optionally with `priority=0,actions=drop` catch-alls below the other rules
// of either table (a table miss drops anyway), and with any forwarding map of
// `in_port=A,actions=output:B` rules between declared ports. What such a
// program does to a frame depends only on its in_port and on whether OVS
// sees it as IP: IPv4/IPv6 frames are committed, recirculated to table 1 and
// forwarded unchanged (nothing rewrites them: no NAT, no set_field), whatever
// their ct_state; every other frame misses table 0 and is dropped untracked.
// So the outputs follow from the program, and the classification is what OVS
// computes.
//
// Recognised on the parsed FlowProgram, so spelling (field aliases, spacing,
// priorities, rule order) does not matter.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reference/common/result.h"
#include "reference/flow/flow_program.h"
#include "reference/scenario/scenario.h"

namespace ctc::ovs_conntrack_lib {

// The canonical text, for tests, scenarios and documentation.
inline constexpr const char* kCommitAllFlows =
    "table=0,priority=100,ip,actions=ct(commit,table=1)\n"
    "table=0,priority=100,ipv6,actions=ct(commit,table=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,in_port=1,actions=output:2\n"
    "table=1,priority=100,in_port=2,actions=output:1\n"
    "table=1,priority=0,actions=drop\n";

// The table ct(commit,table=T) recirculates to, where the forwarding rules are.
inline constexpr uint8_t kForwardingTable = 1;

struct CommitAllProgram {
  // in_port -> the port table 1 outputs to. IP frames from a port without an
  // entry are committed, then dropped.
  std::map<uint16_t, uint16_t> forward;
};

// The forwarding map when `program` has the shape above and its output ports
// are among `ports`; otherwise kUnsupported whose message starts "flow
// program is not the commit-all shape ovstest runs:" and names the first rule
// (line) that does not fit and why.
Result<CommitAllProgram> recognise_commit_all_program(const FlowProgram& program,
                                                      const std::vector<PortDecl>& ports);

}  // namespace ctc::ovs_conntrack_lib
