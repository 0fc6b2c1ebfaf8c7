// Known, intended differences between implementations are data with a
// reason and a source, grouped by root cause (cf. p4c BMV2STFXfail.cmake).
// A scenario matching an entry is reported as "known divergence", never as a
// pass. File format (corpora/known-divergences.txt):
//
//   [est-bit-on-syn-retransmit]
//   adapter: ovs-userspace            (an adapter id, or *)
//   profile: linux                    (optional; a profile name, or *)
//   scenario: tcp-syn-retransmit*     (a name, * matches any run of characters)
//   reason: userspace sets +est on every packet of a committed connection
//   source: lib/conntrack.c conn_update_state() (OVS 3.1.0)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc {

struct KnownDivergence {
  std::string id;
  std::string adapter = "*";
  std::string profile = "*";
  std::string scenario;
  std::string reason;
  std::string source;
};

class KnownDivergences {
 public:
  static Result<KnownDivergences> load(const std::string& path);
  static Result<KnownDivergences> parse(const std::string& text, const std::string& path);

  const KnownDivergence* find(const std::string& adapter, const std::string& profile,
                              const std::string& scenario) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<KnownDivergence> entries_;
};

bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace ctc
