#!/usr/bin/env bash
# Repeats what a newcomer does on a fresh Debian 12: builds a minimal Debian 12
# root (debootstrap --variant=minbase, nothing else installed), clones the
# current commit into it and runs the README's test command there. Not part of
# .ci/run: it downloads a whole system and builds from nothing (about an hour
# on two cores).
#
#   sudo scripts/fresh_machine_check.sh [--keep] [ROOT_DIR]
#
# ROOT_DIR (default: a new temporary folder) receives the root; --keep leaves
# it in place afterwards, for a look at what was installed. MIRROR chooses the
# Debian mirror (default http://deb.debian.org/debian). The root trusts this
# host's CA bundle, so that package registries reached through a proxy that
# signs with its own CA still work.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

keep=false
if [[ "${1:-}" == "--keep" ]]; then
  keep=true
  shift
fi
root=${1:-$(mktemp -d /var/tmp/trustsphere-fresh.XXXXXX)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [[ $(id -u) -ne 0 ]]; then
  echo "fresh_machine_check: needs root (debootstrap, chroot and mounts)" >&2
  exit 2
fi
command -v debootstrap >/dev/null ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }

started=$(date +%s)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if [[ $keep == false ]]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT

echo "== debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.debootstrap.log" 2>&1 ||
  { tail -20 "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"

# What an installed Debian 12 reads: the release, its updates and security.
cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/etc/ssl"
cp "$HOST_CA_BUNDLE" "$root/etc/ssl/host-ca-bundle.crt"

for target in proc sys dev dev/pts; do
  mount --bind "/$target" "$root/$target"
  mounted+=("$root/$target")
done
mount -t tmpfs tmpfs "$root/dev/shm"
mounted+=("$root/dev/shm")

echo "== cloning $(git -C "$top" rev-parse --short HEAD) into the root"
git clone --quiet --no-local "$top" "$root/src/trustsphere"

echo "== the README's test command, in the root"
# A clean environment, as on a new machine: only what a login shell would set,
# and the host's CA bundle for npm (apt reads the mirror over plain HTTP).
status=0
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca-bundle.crt \
  /bin/bash -c 'cd /src/trustsphere && scripts/test.sh' || status=$?

elapsed=$(($(date +%s) - started))
printf 'fresh_machine_check: %s in %dm%02ds (exit %d)\n' \
  "$([[ $status -eq 0 ]] && echo passed || echo FAILED)" $((elapsed / 60)) $((elapsed % 60)) "$status"
exit "$status"
