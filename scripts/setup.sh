#!/usr/bin/env bash
# Installs the Debian 12 packages ctconform needs to build and test.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  libgoogle-perftools-dev  # tcmalloc_minimal, for the fuzz-fast preset
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libpcap-dev libboost-dev libboost-filesystem-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libmnl-dev libnetfilter-conntrack-dev
  iproute2 nftables conntrack tcpdump
  qemu-system-x86 busybox-static cpio kmod xz-utils binutils  # the kernel-ovs VM image (scripts/kernel-ovs-image.sh)
  openvswitch-switch openvswitch-common openvswitch-source
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# OVS's own test program for the ovs-conntrack-lib adapter, built from the
# openvswitch-source package (cached; a no-op once built). Without it that
# adapter reports skip, so a failed build warns instead of failing setup.
"$(dirname "$0")/build-ovstest.sh" >/dev/null ||
  echo "setup: ovstest not built; adapter ovs-conntrack-lib will be skipped" >&2
