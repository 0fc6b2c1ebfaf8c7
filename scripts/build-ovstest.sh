#!/usr/bin/env bash
# Builds Open vSwitch's test program `ovstest` (tests/ovstest) from the source
# tarball Debian's openvswitch-source package ships (/usr/src/openvswitch/),
# for the ovs-conntrack-lib adapter and scripts/bench-vs-ovs.sh. Never from
# fetched code: the package is the only source.
#
# Result: ~/.cache/ctconform/ovstest/<package version>/ovstest
# (CTC_OVSTEST_CACHE overrides ~/.cache/ctconform/ovstest).
# Idempotent: does nothing when that binary exists. Installs nothing:
# scripts/setup.sh installs openvswitch-source with the other packages.
# Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail

tarball=/usr/src/openvswitch/openvswitch.tar.gz
cache_root="${CTC_OVSTEST_CACHE:-${HOME}/.cache/ctconform/ovstest}"

if [ ! -r "$tarball" ]; then
  echo "build-ovstest: $tarball not found; install the Debian package openvswitch-source" \
       "(scripts/setup.sh does)" >&2
  exit 1
fi
version="$(dpkg-query -W -f='${Version}' openvswitch-source 2>/dev/null || true)"
if [ -z "$version" ]; then
  echo "build-ovstest: cannot read the version of openvswitch-source (dpkg-query)" >&2
  exit 1
fi

dest="$cache_root/$version"
binary="$dest/ovstest"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

mkdir -p "$dest"
work="$(mktemp -d "$dest/build.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

started=$(date +%s)
echo "build-ovstest: building ovstest from openvswitch-source $version in $work" >&2
tar -xzf "$tarball" -C "$work"
src="$work/openvswitch"
cd "$src"

# Minimal configuration: the conntrack code needs neither SSL, libcap-ng,
# DPDK nor AF_XDP (both off by default); static libraries are OVS's default (configure.ac
# LT_INIT([disable-shared])), so tests/ovstest is the program itself, not a
# libtool wrapper script.
./configure --quiet --disable-ssl --disable-libcapng --disable-shared \
  CFLAGS="-O2 -g0" >"$work/configure.log" 2>&1 || {
    echo "build-ovstest: configure failed; last lines of its log:" >&2
    tail -n 30 "$work/configure.log" >&2
    exit 1
  }

jobs="$(nproc)"
# Automake only builds BUILT_SOURCES (generated headers such as
# include/odp-netlink.h and the ofp-actions tables) for `make all`; a single
# target needs them first. Read the list from the generated Makefile.
built_sources="$(printf 'print-built-sources:\n\t@echo $(BUILT_SOURCES)\n' |
  make -s -f Makefile -f - print-built-sources)"
# shellcheck disable=SC2086  # a list of file names without spaces
make -s -j"$jobs" $built_sources >"$work/make.log" 2>&1 &&
  make -s -j"$jobs" tests/ovstest >>"$work/make.log" 2>&1 || {
    echo "build-ovstest: make failed; last lines of its log:" >&2
    tail -n 30 "$work/make.log" >&2
    exit 1
  }

install -m 0755 tests/ovstest "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "build-ovstest: built $binary in $(( $(date +%s) - started )) s" >&2
echo "$binary"
