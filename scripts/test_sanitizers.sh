#!/usr/bin/env bash
# The second test stage: the whole suite built with AddressSanitizer and
# UndefinedBehaviourSanitizer (any finding fails its test), the concurrency
# tests built with ThreadSanitizer, then every fuzz target for a bounded time
# under libFuzzer. About 40 minutes on two cores from nothing, most of it the
# instrumented builds; kept out of scripts/test.sh so that the first stage
# stays short.
#
#   scripts/test_sanitizers.sh                 every part
#   scripts/test_sanitizers.sh asan|tsan|fuzz  some parts
#   FUZZ_SECONDS=60 scripts/test_sanitizers.sh fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

PARTS=("${@:-asan tsan fuzz}")
read -r -a PARTS <<<"${PARTS[*]}"

# Debian's clang and its sanitizer runtimes for libFuzzer; curl fetches Abseil's source.
need=()
for package in clang-14 libclang-rt-14-dev curl; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || need+=("$package")
done
if ((${#need[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

for part in "${PARTS[@]}"; do
  case "$part" in
    asan)
      echo "== AddressSanitizer + UndefinedBehaviourSanitizer: whole suite"
      # jemalloc would hide allocations from AddressSanitizer.
      cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTRUSTSPHERE_JEMALLOC=OFF \
        -DCMAKE_CXX_FLAGS="$SANITIZE -O1" -DCMAKE_EXE_LINKER_FLAGS="$SANITIZE" >/dev/null
      cmake --build build-asan --parallel "$(nproc)"
      # The two shell tests drive build/ (the README's commands), not this
      # build. halt_on_error makes any report, leaks included, fail the test
      # that triggered it.
      (cd build-asan &&
        ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --parallel "$(nproc)" --timeout 900 \
          -E '^(local_runner|k8s_manifests)$')
      ;;
    tsan)
      echo "== ThreadSanitizer: concurrency tests"
      # ThreadSanitizer sees a lock only in instrumented code, and our code
      # locks with absl::Mutex: Debian's Abseil, uninstrumented, would make
      # every guarded access look like a race. The same Abseil release, from
      # Debian's source package with Debian's patches, is built instrumented
      # once into build-tsan/absl.
      ABSL=build-tsan/absl
      if [[ ! -f $ABSL/install/lib/cmake/absl/abslConfig.cmake ]]; then
        mkdir -p $ABSL
        POOL=http://deb.debian.org/debian/pool/main/a/abseil
        for file in abseil_20220623.1.orig.tar.gz abseil_20220623.1-1+deb12u2.debian.tar.xz; do
          curl -fsSL -o "$ABSL/$file" "$POOL/$file"
        done
        (cd $ABSL && sha256sum -c <<'SUMS'
abfe2897f3a30edaa74bc34365afe3c2a3cd012091a97dc7e008f7016adcd5fe  abseil_20220623.1.orig.tar.gz
e08490fc7b6f3beca1925953b0c4fb92df2de5e2a01295e4641e2a3d4e528eeb  abseil_20220623.1-1+deb12u2.debian.tar.xz
SUMS
        )
        rm -rf $ABSL/src && mkdir $ABSL/src
        tar xzf $ABSL/abseil_20220623.1.orig.tar.gz -C $ABSL/src --strip-components=1
        tar xJf $ABSL/abseil_20220623.1-1+deb12u2.debian.tar.xz -C $ABSL/src
        (cd $ABSL/src && for patch in $(cat debian/patches/series); do
          patch -p1 -s <"debian/patches/$patch"
        done)
        cmake -S $ABSL/src -B $ABSL/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_CXX_STANDARD=17 -DABSL_PROPAGATE_CXX_STD=ON -DBUILD_TESTING=OFF \
          -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g" \
          -DCMAKE_INSTALL_PREFIX="$PWD/$ABSL/install" >/dev/null
        cmake --build $ABSL/build --parallel "$(nproc)"
        cmake --install $ABSL/build >/dev/null
      fi
      cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTRUSTSPHERE_JEMALLOC=OFF \
        -Dabsl_DIR="$PWD/$ABSL/install/lib/cmake/absl" \
        -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -g" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
      # Our own synchronisation: the executor, key locks, token key refresh,
      # login throttling. RocksDB and gRPC come uninstrumented from Debian,
      # so the storage tests and the integration tests would report their
      # internal hand-offs (RocksDB's group commit) as races: they are not
      # run here.
      cmake --build build-tsan --parallel "$(nproc)" --target core_test auth_test server_test \
        identity_unit_test
      for test in services/common/core/core_test services/common/auth/auth_test \
                  services/common/server/server_test \
                  services/identity/identity_unit_test; do
        TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan_suppressions.txt" \
          "build-tsan/$test"
      done
      ;;
    fuzz)
      echo "== libFuzzer: every target for ${FUZZ_SECONDS:-30} s"
      CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUSTSPHERE_FUZZ=ON -DTRUSTSPHERE_JEMALLOC=OFF \
        -DTRUSTSPHERE_FUZZ_SECONDS="${FUZZ_SECONDS:-30}" \
        -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
        >/dev/null
      cmake --build build-fuzz --parallel "$(nproc)" --target access_token_fuzzer jws_fuzzer \
        key_encoding_fuzzer page_token_fuzzer request_parsing_fuzzer trust_statement_fuzzer
      (cd build-fuzz && ctest -L fuzz --output-on-failure --parallel "$(nproc)")
      ;;
    *)
      echo "unknown part: $part (asan, tsan or fuzz)" >&2
      exit 2
      ;;
  esac
done
