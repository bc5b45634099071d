#!/usr/bin/env bash
# Renders every overlay of deploy/k8s with kubectl kustomize and validates the
# result offline (schemas and invariants, deploy/k8s/validate.mjs) against the
# flags the server binaries really accept; then checks that the validator
# does refuse a manifest that breaks an invariant.
#   tests/k8s_manifests_test.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/flags"
for binary in identity/identity_server relationships/relationships_server \
              recommendations/recommendations_server; do
  "$build/services/$binary" --helpfull >"$work/flags/$(basename "$binary").flags" 2>&1 || true
done

# Debian 12's kubectl (1.20) renders with kustomize 2.0, which reads only files
# under `resources:` (a directory goes under `bases:`). A newer kubectl accepts
# both, so check the rule here rather than only on an old machine.
for kustomization in "$top"/deploy/k8s/*/kustomization.yaml "$top"/deploy/k8s/overlays/*/kustomization.yaml; do
  dir=$(dirname "$kustomization")
  awk '/^[a-zA-Z]/ { in_resources = ($1 == "resources:") } in_resources && /^  - / { print $2 }' \
    "$kustomization" | while read -r resource; do
    [[ -f "$dir/$resource" ]] ||
      { echo "$kustomization: $resource under resources: is no file (kubectl 1.20 refuses it; use bases:)" >&2; exit 1; }
  done
done

database="$top/deploy/k8s/examples/cloudnativepg.yaml"
for overlay in local production distributed; do
  kubectl kustomize "$top/deploy/k8s/overlays/$overlay" >"$work/$overlay.yaml" 2>"$work/kustomize.log" ||
    { cat "$work/kustomize.log"; exit 1; }
  node "$top/deploy/k8s/validate.mjs" "$work/$overlay.yaml" "$work/flags" \
    $([[ $overlay == distributed ]] && echo "$database")
done

# The validator must catch a broken manifest: a writable root filesystem, a
# configuration key that no binary reads and a world-readable Secret (0444).
sed -e 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' \
    -e 's/TRUSTSPHERE_DURABILITY:/TRUSTSPHERE_DURABLITY:/' \
    -e 's/defaultMode: 256/defaultMode: 292/' "$work/local.yaml" >"$work/broken.yaml"
if node "$top/deploy/k8s/validate.mjs" "$work/broken.yaml" "$work/flags" 2>"$work/refused.log"; then
  echo "the validator accepted a broken manifest" >&2
  exit 1
fi
grep -q "root filesystem must be read-only" "$work/refused.log"
grep -q "TRUSTSPHERE_DURABLITY is no flag" "$work/refused.log"
grep -q "must not be readable by group or others" "$work/refused.log"

# And a distributed overlay gone wrong: one replica, the connection string
# in a ConfigMap instead of the database's Secret, no synchronous standby.
sed -e 's/^  replicas: 3$/  replicas: 1/' \
    -e 's/^  TRUSTSPHERE_STORAGE: postgres$/  TRUSTSPHERE_STORAGE: postgres\n  TRUSTSPHERE_DATABASE_URL: host=db/' \
    "$work/distributed.yaml" >"$work/broken_distributed.yaml"
sed -e 's/minSyncReplicas: 1/minSyncReplicas: 0/' "$database" >"$work/broken_database.yaml"
if node "$top/deploy/k8s/validate.mjs" "$work/broken_distributed.yaml" "$work/flags" \
    "$work/broken_database.yaml" 2>"$work/refused.log"; then
  echo "the validator accepted a broken distributed manifest" >&2
  exit 1
fi
grep -q "needs at least 3 replicas" "$work/refused.log"
grep -q "TRUSTSPHERE_DATABASE_URL belongs in a Secret" "$work/refused.log"
grep -q "needs a synchronous standby" "$work/refused.log"
echo "manifests valid; broken manifest refused"
