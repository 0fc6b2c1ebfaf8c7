// The normalised text form of a conntrack table row, shared by the runner,
// the reports and hand-written `check:` expectations. Modelled on OVS's
// `dpctl/dump-conntrack` so people who know that read it at once:
//
//   tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1234,dport=80),reply=(src=10.0.0.2,
//   dst=10.0.0.1,sport=80,dport=1234),zone=1,mark=0,labels=0x0,state=ESTABLISHED,timeout=86400
//
// ICMP tuples show id, type and code instead of ports; nat=snat|dnat|snat+dnat
// appears when translated.
#pragma once

#include <string>
#include <vector>

#include "reference/conntrack/conntrack.h"

namespace ctc {

struct RowFormatOptions {
  bool timeout = true;  // volatile on real systems: the runner's normaliser may drop it
};

std::string format_connection(const ConnectionSnapshot& c, RowFormatOptions options = {});

// The inverse of format_connection (for adapters that report rows as text,
// such as the external protocol). The timeout field is optional.
Result<ConnectionSnapshot> parse_connection(const std::string& row);

// True when every field written in `expected` (a row in the same syntax, any
// subset of fields, protocol first) equals the row's.
bool row_matches(const std::string& expected, const std::string& row);

}  // namespace ctc
