#!/usr/bin/env bash
# Renders every overlay of deploy/k8s with kubectl kustomize and validates the
# result offline (schemas and invariants, deploy/k8s/validate.mjs) against the
# flags the server binaries really accept; then checks that the validator
# does refuse manifests that break each invariant.
#   tests/k8s_manifests_test.sh [BUILD_DIR]   (default: build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/flags"
for binary in identity/identity_server relationships/relationships_server \
              recommendations/recommendations_server; do
  [[ -x "$build/services/$binary" ]] ||
    { echo "no $build/services/$binary: build first, or give the build folder" >&2; exit 1; }
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

validate=$top/deploy/k8s/validate.mjs
database=$top/deploy/k8s/examples/cloudnativepg.yaml
certificates=$top/deploy/k8s/examples/cert-manager.yaml
# What each overlay is validated with: local serves plaintext (a kind or
# minikube cluster has no certificates); the others mutual TLS from the
# example's certificates, distributed on the example's database.
declare -A run_with=(
  [local]="--plaintext"
  [production]="$certificates"
  [distributed]="$database $certificates"
)
for overlay in local production distributed; do
  kubectl kustomize "$top/deploy/k8s/overlays/$overlay" >"$work/$overlay.yaml" 2>"$work/kustomize.log" ||
    { cat "$work/kustomize.log"; exit 1; }
  # shellcheck disable=SC2086 # run_with holds several words
  node "$validate" "$work/$overlay.yaml" "$work/flags" ${run_with[$overlay]}
done

# must_refuse MESSAGE... -- VALIDATOR_ARGUMENTS...: the validator refuses the
# manifests and reports every message.
must_refuse() {
  local messages=()
  while [[ $1 != -- ]]; do messages+=("$1"); shift; done
  shift
  if node "$validate" "$@" >/dev/null 2>"$work/refused.log"; then
    echo "the validator accepted a broken manifest: $*" >&2
    exit 1
  fi
  for message in "${messages[@]}"; do
    grep -qF -- "$message" "$work/refused.log" ||
      { echo "the validator missed: $message" >&2; cat "$work/refused.log" >&2; exit 1; }
  done
}

# mutate IN OUT STATEMENTS: OUT is IN changed by JavaScript statements, through
# the YAML parser rather than sed, so that a break does not depend on how a
# kustomize version lays out its output. The statements see `objects`,
# find(kind, name) and container(name), the container of that server.
mutate() {
  (cd "$top/deploy/k8s" && node --input-type=module -e "
    import { readFileSync, writeFileSync } from 'node:fs';
    import { parseAllDocuments, stringify } from 'yaml';
    const objects = parseAllDocuments(readFileSync(process.argv[1], 'utf8'))
      .map((doc) => doc.toJS()).filter((object) => object);
    const find = (kind, name) => {
      const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
      if (!found) throw new Error(kind + '/' + name + ' is not in ' + process.argv[1]);
      return found;
    };
    const container = (name) =>
      (objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name) ?? find('Deployment', name))
        .spec.template.spec.containers[0];
    $3
    writeFileSync(process.argv[2], objects.map((object) => stringify(object)).join('---\n'));
  " "$1" "$2")
}

# The round trip through mutate changes nothing the validator sees.
mutate "$work/production.yaml" "$work/same.yaml" ''
node "$validate" "$work/same.yaml" "$work/flags" "$certificates" >/dev/null

# A writable root filesystem, a configuration key that no binary reads and a
# world-readable Secret (0444).
sed -e 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' \
    -e 's/TRUSTSPHERE_DURABILITY:/TRUSTSPHERE_DURABLITY:/' \
    -e 's/defaultMode: 256/defaultMode: 292/' "$work/local.yaml" >"$work/broken.yaml"
must_refuse "root filesystem must be read-only" \
            "TRUSTSPHERE_DURABLITY is no flag" \
            "must not be readable by group or others" \
  -- --plaintext "$work/broken.yaml" "$work/flags"

# A distributed overlay gone wrong: one replica, the connection string in a
# ConfigMap instead of the database's Secret, no synchronous standby, and
# no egress to the database.
sed -e 's/^  replicas: 3$/  replicas: 1/' \
    -e 's/^  TRUSTSPHERE_STORAGE: postgres$/  TRUSTSPHERE_STORAGE: postgres\n  TRUSTSPHERE_DATABASE_URL: host=db/' \
    "$work/distributed.yaml" >"$work/broken_distributed.yaml"
mutate "$work/broken_distributed.yaml" "$work/broken_distributed.yaml" '
  objects.splice(objects.indexOf(find("NetworkPolicy", "trustsphere-database")), 1);'
sed -e 's/minSyncReplicas: 1/minSyncReplicas: 0/' "$database" >"$work/broken_database.yaml"
must_refuse "needs at least 3 replicas" \
            "TRUSTSPHERE_DATABASE_URL belongs in a Secret" \
            "needs a synchronous standby" \
            "Deployment/relationships: egress must allow the database" \
  -- "$work/broken_distributed.yaml" "$work/flags" "$work/broken_database.yaml" "$certificates"

# Transport security broken in production: plaintext allowed, a TLS file
# missing, service tokens accepted without their certificate, a certificate
# mounted by subPath (never updated), a gRPC probe (the kubelet's has no
# TLS), liveness asking readiness.
mutate "$work/production.yaml" "$work/broken_tls.yaml" '
  find("ConfigMap", "identity-config").data.TRUSTSPHERE_ALLOW_INSECURE = "true";
  delete find("ConfigMap", "relationships-config").data.TRUSTSPHERE_TLS_CA_FILE;
  find("ConfigMap", "recommendations-config").data.TRUSTSPHERE_REQUIRE_CLIENT_CERT = "false";
  const tls = container("identity").volumeMounts.find((mount) => mount.name === "tls");
  Object.assign(tls, { mountPath: "/var/run/trustsphere/tls/tls.crt", subPath: "tls.crt" });
  container("relationships").readinessProbe = { grpc: { port: 50052 }, periodSeconds: 5 };
  container("recommendations").livenessProbe.httpGet.path = "/readyz";'
must_refuse "StatefulSet/identity container identity: TRUSTSPHERE_ALLOW_INSECURE set" \
            "StatefulSet/relationships container relationships: TRUSTSPHERE_TLS_CA_FILE missing" \
            "StatefulSet/recommendations container recommendations: TRUSTSPHERE_REQUIRE_CLIENT_CERT must be true" \
            "StatefulSet/identity container identity: Secret volume tls is mounted with subPath" \
            "StatefulSet/identity container identity: TRUSTSPHERE_TLS_KEY_FILE /var/run/trustsphere/tls/tls.key must be tls.key of the Secret identity-tls" \
            "StatefulSet/relationships container relationships: readinessProbe is a gRPC probe" \
            "StatefulSet/recommendations container recommendations: livenessProbe must be httpGet /livez on the metrics port" \
  -- "$work/broken_tls.yaml" "$work/flags" "$certificates"

# And in the local overlay: plaintext without TRUSTSPHERE_ALLOW_INSECURE
# (refused at start), TLS half configured, a certificate Secret mounted that
# the cluster has not (the pod would wait for it).
mutate "$work/local.yaml" "$work/broken_plaintext.yaml" '
  delete find("ConfigMap", "identity-config").data.TRUSTSPHERE_ALLOW_INSECURE;
  find("ConfigMap", "relationships-config").data.TRUSTSPHERE_TLS_CA_FILE = "/var/run/trustsphere/tls/ca.crt";
  find("StatefulSet", "recommendations").spec.template.spec.volumes.push(
    { name: "tls", secret: { secretName: "recommendations-tls", defaultMode: 256 } });'
must_refuse "StatefulSet/identity container identity: a plaintext overlay needs TRUSTSPHERE_ALLOW_INSECURE=true" \
            "StatefulSet/relationships container relationships: TRUSTSPHERE_TLS_CA_FILE set in a plaintext overlay" \
            "StatefulSet/recommendations container recommendations: mounts the Secret recommendations-tls, which a cluster without certificates lacks" \
  -- --plaintext "$work/broken_plaintext.yaml" "$work/flags"

# Network policies gone open: relationships' egress unrestricted, a rule of
# recommendations to every destination, identity reaching a service it
# never calls, relationships admitting every source.
mutate "$work/production.yaml" "$work/broken_policies.yaml" '
  const relationships = find("NetworkPolicy", "relationships").spec;
  relationships.policyTypes = ["Ingress"];
  delete relationships.ingress[0].from;
  delete find("NetworkPolicy", "recommendations").spec.egress[0].to;
  find("NetworkPolicy", "identity").spec.egress.push({
    to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "recommendations" } } }],
    ports: [{ port: "grpc" }] });'
must_refuse "StatefulSet/relationships: no NetworkPolicy restricts where it connects" \
            "StatefulSet/relationships: ingress rule 1 admits every source" \
            "StatefulSet/recommendations: egress rule 1 allows every destination" \
            "StatefulSet/recommendations: egress must allow DNS over UDP" \
            'StatefulSet/identity: egress to {"podSelector":{"matchLabels":{"app.kubernetes.io/name":"recommendations"}}} on TCP grpc is nothing it needs' \
  -- "$work/broken_policies.yaml" "$work/flags" "$certificates"

# Certificates that would fail the handshake or the service token check: a
# name relationships is dialled by missing, no client auth, the same key
# kept on renewal, another common name, renewal after expiry, a
# self-signed certificate (no shared CA).
mutate "$certificates" "$work/broken_certificates.yaml" '
  const relationships = find("Certificate", "relationships").spec;
  relationships.dnsNames = relationships.dnsNames.filter((name) => name !== "relationships");
  const identity = find("Certificate", "identity").spec;
  identity.usages = ["server auth"];
  identity.commonName = "identity.trustsphere";
  const recommendations = find("Certificate", "recommendations").spec;
  recommendations.privateKey.rotationPolicy = "Never";
  recommendations.renewBefore = recommendations.duration;
  relationships.issuerRef = { kind: "Issuer", name: "trustsphere-selfsigned" };'
must_refuse "Certificate/relationships: dnsNames lack relationships, which recommendations dials (TRUSTSPHERE_RELATIONSHIPS_ADDR)" \
            'Certificate/identity: usages lack "client auth"' \
            "Certificate/identity: commonName must be identity" \
            "Certificate/recommendations: privateKey.rotationPolicy must be Always" \
            "Certificate/recommendations: needs a duration and a shorter renewBefore" \
            "Certificate/relationships: its Issuer trustsphere-selfsigned is no CA issuer" \
  -- "$work/distributed.yaml" "$work/flags" "$database" "$work/broken_certificates.yaml"
echo "manifests valid; broken manifests refused"
