#!/usr/bin/env bash
# Builds the bootable image of the `kernel-ovs` adapter (adapters/kernel_ovs/):
# Debian's 6.1 kernel, the modules openvswitch.ko needs, busybox-static, the
# Open vSwitch userland with its shared libraries, and our agent, packed into
# an initramfs. Everything comes from Debian packages.
#
#   scripts/kernel-ovs-image.sh            build unless the cached image is current
#   scripts/kernel-ovs-image.sh --force    rebuild
#   scripts/kernel-ovs-image.sh --print    print the image directory and exit (no build)
#
# Output: ${XDG_CACHE_HOME:-~/.cache}/ctconform/kernel-ovs/<key>/{vmlinuz,vmlinux,initrd.gz,manifest.txt}
# and the symlink .../kernel-ovs/current -> <key>, which the adapter boots.
# vmlinux is the kernel decompressed here, booted through its PVH entry: under
# TCG the guest's own decompression of vmlinuz costs seconds per boot.
# The key hashes the package versions and the agent's sources, so a new
# kernel upload or an agent change gives a new image and an unchanged input
# rebuilds nothing.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/ctconform/kernel-ovs"
FORCE=0
PRINT=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print) PRINT=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $PRINT == 1 ]]; then
  echo "$CACHE_ROOT/current"
  exit 0
fi

log() { echo "kernel-ovs-image: $*" >&2; }

# --- host tools ------------------------------------------------------------
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
installed busybox-static || need_pkgs+=(busybox-static)
# The userland's shared libraries are copied from this machine: install them
# the way Debian does, with the package that needs them.
installed openvswitch-switch || need_pkgs+=(openvswitch-switch)
installed libc6-dev || need_pkgs+=(libc6-dev)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v depmod >/dev/null || need_pkgs+=(kmod)
command -v g++ >/dev/null || need_pkgs+=(g++)
command -v xz >/dev/null || need_pkgs+=(xz-utils)
command -v readelf >/dev/null || need_pkgs+=(binutils)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi
command -v ip >/dev/null || { apt-get install -y -qq iproute2; }

# --- versions and key --------------------------------------------------------
candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
if [[ -z "$(candidate linux-image-amd64)" || "$(candidate linux-image-amd64)" == "(none)" ]]; then
  apt-get update -qq
fi
KPKG="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
[[ -n "$KPKG" ]] || { log "cannot resolve linux-image-amd64's kernel package"; exit 1; }
KVER_PKG="$(candidate "$KPKG")"
OVS_VER="$(candidate openvswitch-switch)"
BUSYBOX_VER="$(dpkg-query -W -f='${Version}' busybox-static)"
KREL="${KPKG#linux-image-}"

AGENT_SOURCES=(
  adapters/kernel_ovs/agent_main.cpp
  adapters/kernel_ovs/agent_protocol.cpp
  adapters/kernel_ovs/agent_protocol.h
  adapters/ovs_userspace/ovs_probe.cpp
  adapters/ovs_userspace/ovs_probe.h
  reference/conntrack/ct_types.cpp
  reference/conntrack/ct_types.h
  reference/packet/addresses.cpp
  reference/packet/addresses.h
  reference/common/result.cpp
  reference/common/result.h
)
src_hash="$(cd "$REPO" && cat "${AGENT_SOURCES[@]}" scripts/kernel-ovs-image.sh | sha256sum | cut -c1-16)"
KEY="$(printf '%s\n' "$KPKG=$KVER_PKG" "ovs=$OVS_VER" "busybox=$BUSYBOX_VER" "src=$src_hash" |
  sha256sum | cut -c1-16)"
OUT="$CACHE_ROOT/$KEY"

# An image directory appears complete or not at all (see the end), so these
# files existing means a finished build.
if [[ $FORCE == 0 && -s "$OUT/initrd.gz" && -s "$OUT/vmlinuz" ]]; then
  ln -sfn "$KEY" "$CACHE_ROOT/current"
  log "up to date: $OUT"
  echo "$OUT"
  exit 0
fi

# --- packages ----------------------------------------------------------------
DEBS="$CACHE_ROOT/debs"
mkdir -p "$DEBS"
# As root, apt's download sandbox user cannot write under root's home; it
# would download unsandboxed anyway and warn about it.
apt_download=(apt-get download -q)
[[ $EUID == 0 ]] && apt_download+=(-o APT::Sandbox::User=root)
# Prints the .deb's path; fails with a reason (errexit does not reach into
# the command substitution that calls this).
fetch_deb() {  # name version
  local f
  f="$(ls "$DEBS"/"$1"_"${2/:/%3a}"_*.deb 2>/dev/null | head -1 || true)"
  if [[ -z "$f" ]]; then
    if ! (cd "$DEBS" && "${apt_download[@]}" "$1=$2" >&2); then
      log "cannot download $1 $2 (no network or no apt source for it)"
      return 1
    fi
    f="$(ls "$DEBS"/"$1"_"${2/:/%3a}"_*.deb 2>/dev/null | head -1 || true)"
    [[ -n "$f" ]] || { log "apt-get download left no $1 package in $DEBS"; return 1; }
  fi
  echo "$f"
}
log "kernel $KPKG $KVER_PKG, openvswitch $OVS_VER, busybox $BUSYBOX_VER"
KDEB="$(fetch_deb "$KPKG" "$KVER_PKG")"
OVS_SWITCH_DEB="$(fetch_deb openvswitch-switch "$OVS_VER")"
OVS_COMMON_DEB="$(fetch_deb openvswitch-common "$OVS_VER")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ctc-kovs-image.XXXXXX")"
STAGE=""
trap 'rm -rf "$WORK" ${STAGE:+"$STAGE"}' EXIT
# An interrupt runs the EXIT trap too, instead of leaving the files behind.
trap 'exit 130' INT
trap 'exit 143' TERM
X="$WORK/extract"
ROOT="$WORK/root"
mkdir -p "$X" "$ROOT"
dpkg-deb -x "$KDEB" "$X/kernel"
dpkg-deb -x "$OVS_SWITCH_DEB" "$X/ovs"
dpkg-deb -x "$OVS_COMMON_DEB" "$X/ovs"

# --- root file system -----------------------------------------------------------
mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,run,tmp,var/run,var/log,lib64,usr/lib,usr/bin,usr/sbin}
mkdir -p "$ROOT/usr/share/openvswitch" "$ROOT/etc/ctc"
cp /bin/busybox "$ROOT/bin/busybox"
for applet in sh mount umount mkdir cat ls sleep poweroff sysctl insmod dmesg ps kill echo; do
  ln -sf busybox "$ROOT/bin/$applet"
done

# Kernel and modules: the closure of the roots below in modules.dep, loaded
# by the agent in the order of etc/ctc/modules (dependencies first).
depmod -b "$X/kernel" "$KREL"
MODROOTS=(crc32c_generic libcrc32c openvswitch veth virtio_pci virtio_console nf_conntrack_netlink)
MODDEP="$X/kernel/lib/modules/$KREL/modules.dep"
declare -A seen=()
ordered=()
visit() {  # path relative to lib/modules/KREL
  local m="$1" line deps d
  [[ -n "${seen[$m]:-}" ]] && return 0
  seen[$m]=1
  line="$(grep -m1 "^$m:" "$MODDEP" || true)"
  deps="${line#*:}"
  for d in $deps; do visit "$d"; done
  ordered+=("$m")
}
for name in "${MODROOTS[@]}"; do
  path="$(awk -F: -v n="$name" '{b=$1; sub(".*/", "", b); sub("\\.ko.*$", "", b); gsub("-", "_", b); if (b == n) {print $1; exit}}' "$MODDEP")"
  [[ -n "$path" ]] || { log "module $name not in $KPKG"; exit 1; }
  visit "$path"
done
: >"$ROOT/etc/ctc/modules"
for m in "${ordered[@]}"; do
  mkdir -p "$ROOT/lib/modules/$KREL/$(dirname "$m")"
  cp "$X/kernel/lib/modules/$KREL/$m" "$ROOT/lib/modules/$KREL/$m"
  echo "/lib/modules/$KREL/$m" >>"$ROOT/etc/ctc/modules"
done
cp "$X/kernel/boot/vmlinuz-$KREL" "$WORK/vmlinuz"

# The ELF kernel inside the bzImage, as linux/scripts/extract-vmlinux finds
# it: the first offset where a compressed stream decompresses to an ELF file.
# Kept only when it has the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, 0x12)
# that qemu's -kernel needs to boot an ELF; else the VM boots vmlinuz.
extract_vmlinux() {  # bzImage output
  local magic tool offset pair
  for pair in $'\xfd7zXZ:xz -dc' $'\x1f\x8b\x08:gzip -dc' $'\x28\xb5\x2f\xfd:zstd -dc'; do
    magic="${pair%%:*}" tool="${pair#*:}"
    command -v "${tool%% *}" >/dev/null || continue
    for offset in $(LC_ALL=C grep -obUaF -- "$magic" "$1" | cut -d: -f1 | head -3); do
      tail -c "+$((offset + 1))" "$1" | $tool >"$2" 2>/dev/null || true
      if [[ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" == '177ELF' ]]; then
        readelf -n "$2" 2>/dev/null | grep -qE 'Unknown note type: \(0x00000012\)|PHYS32_ENTRY' && return 0
        break 2
      fi
    done
  done
  rm -f "$2"
  return 1
}
if extract_vmlinux "$WORK/vmlinuz" "$WORK/vmlinux"; then
  log "kernel decompressed for a PVH boot ($(du -h --apparent-size "$WORK/vmlinux" | cut -f1))"
else
  log "no PVH-bootable ELF kernel in vmlinuz; the VM boots the compressed kernel"
fi

# Open vSwitch userland and its shared libraries (the ldd closure).
# source in the packages -> place in the image (ovs-vswitchd is an alternative
# that Debian ships under usr/lib/openvswitch-switch/).
OVS_BINS=(usr/sbin/ovsdb-server:usr/sbin/ovsdb-server
          usr/lib/openvswitch-switch/ovs-vswitchd:usr/sbin/ovs-vswitchd
          usr/bin/ovs-vsctl:usr/bin/ovs-vsctl usr/bin/ovs-ofctl:usr/bin/ovs-ofctl
          usr/bin/ovs-appctl:usr/bin/ovs-appctl usr/bin/ovsdb-tool:usr/bin/ovsdb-tool)
OVS_DESTS=()
for pair in "${OVS_BINS[@]}"; do
  src="${pair%%:*}" dst="${pair#*:}"
  [[ -x "$X/ovs/$src" ]] || { log "missing $src in the openvswitch packages"; exit 1; }
  cp "$X/ovs/$src" "$ROOT/$dst"
  OVS_DESTS+=("$ROOT/$dst")
done
cp "$X/ovs/usr/share/openvswitch/vswitch.ovsschema" "$ROOT/usr/share/openvswitch/"

# The agent: a static binary.
log "building the agent"
(cd "$REPO" && g++ -std=c++20 -O2 -static -Wall -Wextra -Wno-array-bounds -Wno-stringop-overflow -DCTC_KERNEL_OVS_AGENT_MAIN -I. \
  adapters/kernel_ovs/agent_main.cpp adapters/kernel_ovs/agent_protocol.cpp \
  adapters/ovs_userspace/ovs_probe.cpp reference/conntrack/ct_types.cpp \
  reference/packet/addresses.cpp reference/common/result.cpp \
  -o "$ROOT/sbin/ctc-agent")

copy_libs() {  # binary...
  local lib
  if ldd "$@" 2>/dev/null | grep -q "not found"; then
    log "missing shared libraries: $(ldd "$@" | grep "not found" | sort -u | tr -d '\t' | tr '\n' ' ')"
    exit 1
  fi
  for lib in $(ldd "$@" 2>/dev/null | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}' | sort -u); do
    local real
    real="$(readlink -f "$lib")"
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -n "$real" "$ROOT$lib" 2>/dev/null || true
  done
}
# iproute2's ip (Debian's iproute2, as installed here): busybox ip cannot make veth pairs.
cp "$(readlink -f "$(command -v ip)")" "$ROOT/usr/sbin/ip"
copy_libs "${OVS_DESTS[@]}" "$ROOT/usr/sbin/ip"
# ld.so looks in /lib64 for the x86-64 loader and /lib/x86_64-linux-gnu for libraries.
[[ -e "$ROOT/lib64/ld-linux-x86-64.so.2" ]] || cp /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/"

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/:/bin/sh
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
EOF

cat >"$ROOT/init" <<'EOF'
#!/bin/sh
# ctconform kernel-ovs VM: mount the basics, run the agent, power off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
/sbin/ctc-agent
echo "ctc-agent exited with $?"
poweroff -f
EOF
chmod +x "$ROOT/init"

{
  echo "key=$KEY"
  echo "kernel_package=$KPKG=$KVER_PKG"
  echo "kernel_release=$KREL"
  echo "openvswitch=$OVS_VER"
  echo "busybox=$BUSYBOX_VER"
  echo "agent_sources=$src_hash"
  echo "modules=$(wc -l <"$ROOT/etc/ctc/modules")"
} >"$WORK/manifest.txt"
cp "$WORK/manifest.txt" "$ROOT/etc/ctc/manifest.txt"

log "packing the initramfs"
(cd "$ROOT" && find . -print0 | sort -z | cpio --null -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz"

# Staged beside the final place and renamed: an interrupted build leaves no
# directory that looks complete.
STAGE="$(mktemp -d "$CACHE_ROOT/.stage.XXXXXX")"
cp "$WORK/vmlinuz" "$WORK/initrd.gz" "$WORK/manifest.txt" "$STAGE/"
[[ -f "$WORK/vmlinux" ]] && cp "$WORK/vmlinux" "$STAGE/"
chmod 755 "$STAGE"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
STAGE=""
ln -sfn "$KEY" "$CACHE_ROOT/current"
# Earlier images (other keys) are never booted again by this tree: without
# this a cache kept between CI runs grows by one image per agent change.
for old in "$CACHE_ROOT"/*; do
  name="${old##*/}"
  [[ -d "$old" && "$name" =~ ^[0-9a-f]{16}$ && "$name" != "$KEY" ]] && rm -rf "$old"
done
log "image ready: $OUT ($(du -h --apparent-size "$OUT/initrd.gz" | cut -f1) initramfs)"
echo "$OUT"
