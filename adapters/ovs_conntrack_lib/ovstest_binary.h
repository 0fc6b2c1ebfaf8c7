// Where the `ovstest` program the adapter drives lives. OVS does not package
// it; scripts/build-ovstest.sh builds it from Debian's openvswitch-source into
// ~/.cache/ctconform/ovstest/<package version>/ovstest.
#pragma once

#include <string>

#include "reference/common/result.h"

namespace ctc::ovs_conntrack_lib {

// The environment variable that names the binary explicitly; it wins over the
// cache.
inline constexpr const char* kOvstestEnvVar = "CTC_OVSTEST";

// $CTC_OVSTEST when set (it must then be executable: a wrong explicit path is
// an error, never silently replaced by the cache), otherwise the newest
// ~/.cache/ctconform/ovstest/*/ovstest. kUnsupported with what to do when there
// is none.
Result<std::string> find_ovstest();

// `stdbuf` (coreutils), which makes ovstest's stdout unbuffered; kUnsupported
// when absent.
Result<std::string> find_stdbuf();

}  // namespace ctc::ovs_conntrack_lib
