#!/usr/bin/env bash
# Installs what this machine is missing (Debian 12 packages, buf from npm)
# and builds everything into build/. Idempotent: a second run installs
# nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev
  libsodium-dev libicu-dev nlohmann-json3-dev libcpp-httplib-dev libjemalloc-dev libssl-dev
  golang-github-gogo-googleapis-dev
  openssl
  # The read-only disk test formats, mounts and repairs an ext4 image.
  e2fsprogs mount
  # Distributed mode: libpq, and PostgreSQL 15 for its tests; Patroni (with
  # etcd, and the etcd client it needs) for the failover test.
  libpq-dev postgresql-15 patroni etcd-server python3-etcd
)
BUF_VERSION=1.47.2

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
# npm and kubectl may come from outside Debian's packages: only a missing
# command asks for Debian's.
command -v npm >/dev/null || missing+=(nodejs npm)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# buf lints the contracts and detects breaking changes; it ships as an npm
# package with a prebuilt binary and runs offline.
if [[ "$(.tools/node_modules/.bin/buf --version 2>/dev/null || true)" != "$BUF_VERSION" ]]; then
  echo "setup: installing buf $BUF_VERSION"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "@bufbuild/buf@$BUF_VERSION"
fi

# The manifest validator's schemas (kubernetes-models) and YAML parser.
if [[ ! -d deploy/k8s/node_modules/kubernetes-models ]]; then
  echo "setup: installing the manifest validator's npm packages"
  npm install --silent --no-audit --no-fund --no-package-lock --prefix deploy/k8s
fi

BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
fi
cmake --build build --parallel "$(nproc)"
