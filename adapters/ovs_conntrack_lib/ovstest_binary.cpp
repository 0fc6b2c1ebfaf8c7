#include "adapters/ovs_conntrack_lib/ovstest_binary.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ctc::ovs_conntrack_lib {
namespace {

namespace fs = std::filesystem;

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

fs::path cache_root() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "ctconform" / "ovstest";
  }
  return {};
}

}  // namespace

Result<std::string> find_ovstest() {
  if (const char* explicit_path = std::getenv(kOvstestEnvVar);
      explicit_path != nullptr && *explicit_path != '\0') {
    if (is_executable_file(explicit_path)) return std::string(explicit_path);
    return unsupported(std::string("ovs-conntrack-lib: ") + kOvstestEnvVar + "=" + explicit_path +
                       " is not an executable file");
  }
  const fs::path root = cache_root();
  const std::string how =
      "run scripts/build-ovstest.sh (builds ovstest from Debian's openvswitch-source) or set " +
      std::string(kOvstestEnvVar);
  if (root.empty()) return unsupported("ovs-conntrack-lib: HOME is not set; " + how);
  // One directory per openvswitch-source version; after an upgrade the
  // newest build is the one that matches the installed sources.
  std::error_code ec;
  fs::path newest;
  fs::file_time_type newest_time{};
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path candidate = it->path() / "ovstest";
    if (!is_executable_file(candidate)) continue;
    const fs::file_time_type when = fs::last_write_time(candidate, ec);
    if (ec) continue;
    if (newest.empty() || when > newest_time) {
      newest = candidate;
      newest_time = when;
    }
  }
  if (newest.empty()) {
    return unsupported("ovs-conntrack-lib: no ovstest binary under " + root.string() + "; " + how);
  }
  return newest.string();
}

Result<std::string> find_stdbuf() {
  for (const char* candidate : {"/usr/bin/stdbuf", "/bin/stdbuf", "/usr/local/bin/stdbuf"}) {
    if (is_executable_file(candidate)) return std::string(candidate);
  }
  return unsupported("ovs-conntrack-lib: stdbuf (coreutils) not found; it makes ovstest's "
                     "output unbuffered");
}

}  // namespace ctc::ovs_conntrack_lib
