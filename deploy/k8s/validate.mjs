// Validates rendered Kubernetes manifests offline and checks Trustsphere's
// own invariants on them.
//
//   node deploy/k8s/validate.mjs RENDERED.yaml FLAGS_DIR [DATABASE.yaml]
//
// RENDERED.yaml: the output of `kubectl kustomize` for one overlay.
// FLAGS_DIR: one file per server binary (identity_server.flags, ...), each the
// output of `<binary> --helpfull`, so that configuration keys are checked
// against the flags the binaries really have.
// DATABASE.yaml: for the distributed overlay, the example CloudNativePG
// Cluster whose Secret the Deployments must read.
//
// Every object is validated against the Kubernetes OpenAPI schemas shipped in
// the npm package kubernetes-models. Exits non-zero with one line per problem.

import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [renderedPath, flagsDir, databasePath] = process.argv.slice(2);
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

const objects = parseAllDocuments(readFileSync(renderedPath, "utf8"))
  .map((doc) => doc.toJS())
  .filter((object) => object);
const named = (object) => `${object.kind}/${object.metadata?.name}`;

// 1. Schemas.
for (const object of objects) {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : [null, object.apiVersion];
  const path = `kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}`;
  try {
    const module = await import(path);
    new module[object.kind](object).validate();
  } catch (error) {
    problem(named(object), `schema: ${error.message}`);
  }
}

// 2. What each binary accepts: --flag names become TRUSTSPHERE_FLAG keys.
const flagsOf = {};
for (const file of readdirSync(flagsDir)) {
  const binary = file.replace(/\.flags$/, "");
  const names = [...readFileSync(`${flagsDir}/${file}`, "utf8").matchAll(/^\s+--(\w+) \(/gm)];
  flagsOf[binary] = new Set(names.map((match) => `TRUSTSPHERE_${match[1].toUpperCase()}`));
}

const byKind = (kind) => objects.filter((object) => object.kind === kind);
const configMaps = Object.fromEntries(byKind("ConfigMap").map((map) => [map.metadata.name, map]));
const seconds = (duration) => {
  const match = /^(\d+)s$/.exec(duration ?? "");
  return match ? Number(match[1]) : NaN;
};
const labelsOf = (set) => set.spec.selector.matchLabels;
const selects = (selector, labels) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

// The database's Secret, when the overlay runs on one: CloudNativePG names
// it <cluster>-app, with the connection URI under "uri".
const database = databasePath
  ? parseAllDocuments(readFileSync(databasePath, "utf8")).map((doc) => doc.toJS())[0]
  : null;
if (database) {
  const where = named(database);
  if (database.apiVersion !== "postgresql.cnpg.io/v1") problem(where, "not a CloudNativePG Cluster");
  if (!(database.spec?.instances >= 3)) problem(where, "needs at least 3 instances");
  if (!(database.spec?.minSyncReplicas >= 1)) {
    problem(where, "needs a synchronous standby: a failover must lose no acknowledged write");
  }
}

// 3. Invariants of every server: one RocksDB writer per StatefulSet, or
// stateless replicas (Deployments) over the shared database.
const servers = [...byKind("StatefulSet"), ...byKind("Deployment")];
for (const set of servers) {
  const where = named(set);
  const pod = set.spec.template.spec;
  if (pod.securityContext?.runAsNonRoot !== true) problem(where, "pod must run as non-root");
  // The data volume belongs to the server's group; keys and tokens mounted
  // from Secrets are readable by the server's account alone.
  if (!pod.securityContext?.fsGroup) problem(where, "pod must set fsGroup for its volumes");
  for (const volume of pod.volumes ?? []) {
    if (!volume.secret) continue;
    const mode = volume.secret.defaultMode ?? 0o644;
    if ((mode & 0o077) !== 0) {
      problem(where, `secret volume ${volume.name} must not be readable by group or others`);
    }
  }
  const labels = set.spec.template.metadata.labels;
  if (set.kind === "StatefulSet") {
    if (set.spec.replicas !== 1) problem(where, "one writer per RocksDB volume: replicas must be 1");
    const claims = (set.spec.volumeClaimTemplates ?? []).map((claim) => claim.metadata.name);
    if (!claims.includes("data")) problem(where, "needs a PersistentVolumeClaim named data");
  } else {
    if (!(set.spec.replicas >= 3)) problem(where, "needs at least 3 replicas");
    const keys = (pod.topologySpreadConstraints ?? []).map((spread) => spread.topologyKey);
    for (const key of ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]) {
      if (!keys.includes(key)) problem(where, `replicas must be spread over ${key}`);
    }
    const scaler = byKind("HorizontalPodAutoscaler").find(
      (hpa) => hpa.spec.scaleTargetRef.kind === "Deployment" && hpa.spec.scaleTargetRef.name === set.metadata.name);
    if (!scaler) problem(where, "no HorizontalPodAutoscaler scales it");
    else if (!(scaler.spec.minReplicas >= 3)) problem(named(scaler), "minReplicas must be at least 3");
    const budget = byKind("PodDisruptionBudget").find((b) => selects(b.spec.selector.matchLabels, labels));
    if (budget && !(budget.spec.minAvailable >= 2)) {
      problem(named(budget), "must keep at least 2 replicas through voluntary disruptions");
    }
  }

  for (const container of pod.containers) {
    const at = `${where} container ${container.name}`;
    const grpcPort = container.ports?.find((port) => port.name === "grpc")?.containerPort;
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      if (container[probe]?.grpc?.port !== grpcPort) problem(at, `${probe} must be gRPC on ${grpcPort}`);
    }
    // Readiness follows the storage; an outage of a shared database must not restart every pod.
    if (container.livenessProbe?.grpc?.service !== "liveness") {
      problem(at, 'livenessProbe must ask the "liveness" health service');
    }
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (!container.resources?.[kind]?.[resource]) problem(at, `resources.${kind}.${resource} missing`);
      }
    }
    const security = container.securityContext ?? {};
    if (security.readOnlyRootFilesystem !== true) problem(at, "root filesystem must be read-only");
    if (security.allowPrivilegeEscalation !== false) problem(at, "privilege escalation must be off");
    if (!security.capabilities?.drop?.includes("ALL")) problem(at, "capabilities must drop ALL");
    const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
    if (!mounts.includes("/tmp")) problem(at, "/tmp must be a volume (read-only root)");

    const binary = container.command?.[0]?.split("/").pop();
    const flags = flagsOf[binary];
    if (!flags) {
      problem(at, `unknown binary ${binary}`);
      continue;
    }
    for (const variable of container.env ?? []) {
      if (!flags.has(variable.name)) problem(at, `${variable.name} is no flag of ${binary}`);
    }
    if (set.kind === "Deployment") {
      // A connection string holds a password: from a Secret, never a ConfigMap.
      const url = (container.env ?? []).find((v) => v.name === "TRUSTSPHERE_DATABASE_URL");
      const secret = url?.valueFrom?.secretKeyRef;
      if (!secret) problem(at, "TRUSTSPHERE_DATABASE_URL must come from a Secret");
      else if (database && (secret.name !== `${database.metadata.name}-app` || secret.key !== "uri")) {
        problem(at, `TRUSTSPHERE_DATABASE_URL must be ${database.metadata.name}-app/uri`);
      }
    }
    for (const source of container.envFrom ?? []) {
      const map = configMaps[source.configMapRef?.name];
      if (!map) {
        problem(at, `ConfigMap ${source.configMapRef?.name} missing`);
        continue;
      }
      for (const key of Object.keys(map.data ?? {})) {
        if (!flags.has(key)) problem(`ConfigMap/${map.metadata.name}`, `${key} is no flag of ${binary}`);
      }
      if (set.kind === "Deployment" && map.data?.TRUSTSPHERE_STORAGE !== "postgres") {
        problem(`ConfigMap/${map.metadata.name}`, "replicas need TRUSTSPHERE_STORAGE=postgres");
      }
      if (map.data?.TRUSTSPHERE_DATABASE_URL) {
        problem(`ConfigMap/${map.metadata.name}`, "TRUSTSPHERE_DATABASE_URL belongs in a Secret");
      }
      const listen = map.data?.TRUSTSPHERE_LISTEN ?? "";
      if (!listen.endsWith(`:${grpcPort}`)) problem(at, `TRUSTSPHERE_LISTEN ${listen} != port ${grpcPort}`);
      const drain = seconds(map.data?.TRUSTSPHERE_DRAIN_TIMEOUT);
      if (!(pod.terminationGracePeriodSeconds > drain)) {
        problem(at, `terminationGracePeriodSeconds must exceed the drain timeout (${drain}s)`);
      }
    }
  }

  if (!byKind("Service").some((service) => selects(service.spec.selector, labels))) {
    problem(where, "no Service selects it");
  }
  if (!byKind("PodDisruptionBudget").some((budget) => selects(budget.spec.selector.matchLabels, labels))) {
    problem(where, "no PodDisruptionBudget covers it");
  }
  if (!byKind("NetworkPolicy").some((policy) => selects(policy.spec.podSelector.matchLabels, labels))) {
    problem(where, "no NetworkPolicy restricts who reaches it");
  }
  if (!selects(labelsOf(set), labels)) problem(where, "selector does not match the pod labels");
}

// 4. Only the callers that need a service reach it.
const expectedCallers = {
  identity: ["recommendations", "relationships"],
  relationships: ["recommendations"],
  recommendations: [],
};
for (const policy of byKind("NetworkPolicy")) {
  const service = policy.spec.podSelector.matchLabels["app.kubernetes.io/name"];
  const callers = policy.spec.ingress
    .flatMap((rule) => rule.from ?? [])
    .map((peer) => peer.podSelector?.matchLabels?.["app.kubernetes.io/name"])
    .filter((name) => name)
    .sort();
  if (JSON.stringify(callers) !== JSON.stringify(expectedCallers[service] ?? [])) {
    problem(named(policy), `callers ${callers} instead of ${expectedCallers[service]}`);
  }
}

if (problems.length) {
  for (const line of problems) console.error(line);
  process.exit(1);
}
console.log(`${objects.length} objects valid (${renderedPath})`);
