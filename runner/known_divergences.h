// Known, intended differences between implementations are data with a
// reason and a source, grouped by root cause (cf. p4c BMV2STFXfail.cmake).
// A scenario matching an entry is reported as "known divergence", never as a
// pass. File format (corpora/known-divergences.txt):
//
//   [est-bit-on-syn-retransmit]
//   adapter: ovs-userspace            (an adapter id, or *)
//   profile: linux                    (optional; a profile name, or *)
//   scenario: tcp-syn-retransmit*     (a name, * matches any run of characters)
//   difference: nat-port-choice       (optional; the symptom, see DifferenceKind)
//   reason: userspace sets +est on every packet of a committed connection
//   source: lib/conntrack.c conn_update_state() (OVS 3.1.0)
//
// `scenario:` names the corpus scenarios an entry covers. Generated cases
// (`ctconform prop`) have no meaningful name: for them an entry counts only if
// it has a `difference:`, and only when that symptom explains every
// difference of the case (runner/difference_match.h). An entry without one
// never matches a generated case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/result.h"

namespace ctc {

// What a known divergence looks like from outside, precisely enough to
// recognise it on a case nobody named. One kind so far:
//   nat-port-choice  the two sides differ only in the L4 port (ICMP echo
//                    identifier) a NAT picked: one consistent one-to-one
//                    renaming of translated ports, per protocol and address,
//                    explains every differing frame (checksums included) and
//                    every differing table row; nothing else differs; no
//                    NAT port range of the program covers a renamed port.
enum class DifferenceKind : uint8_t { kNatPortChoice };

const char* to_string(DifferenceKind kind);
std::optional<DifferenceKind> parse_difference_kind(std::string_view text);

struct KnownDivergence {
  std::string id;
  std::string adapter = "*";
  std::string profile = "*";
  std::string scenario;
  std::optional<DifferenceKind> difference;
  std::string reason;
  std::string source;
};

class KnownDivergences {
 public:
  static Result<KnownDivergences> load(const std::string& path);
  static Result<KnownDivergences> parse(const std::string& text, const std::string& path);

  // The first entry for this adapter, profile and scenario name.
  const KnownDivergence* find(const std::string& adapter, const std::string& profile,
                              const std::string& scenario) const;
  // The entries for this adapter and profile that describe a symptom
  // (`difference:`), in file order: what a generated case may be matched against.
  std::vector<const KnownDivergence*> with_difference(const std::string& adapter,
                                                      const std::string& profile) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<KnownDivergence> entries_;
};

bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace ctc
