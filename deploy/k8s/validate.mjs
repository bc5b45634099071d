// Validates rendered Kubernetes manifests offline and checks Trustsphere's
// own invariants on them.
//
//   node deploy/k8s/validate.mjs [--plaintext] RENDERED.yaml FLAGS_DIR [EXAMPLE.yaml...]
//
// RENDERED.yaml: the output of `kubectl kustomize` for one overlay.
// FLAGS_DIR: one file per server binary (identity_server.flags, ...), each the
// output of `<binary> --helpfull`, so that configuration keys are checked
// against the flags the binaries really have.
// --plaintext: the overlay is for a local cluster without certificates: the
// servers serve plaintext (TRUSTSPHERE_ALLOW_INSECURE). Without it, every
// server must serve mutual TLS from its Secret <service>-tls.
// EXAMPLE.yaml: what the overlay runs with from deploy/k8s/examples, checked
// against it: the CloudNativePG Cluster whose Secret the Deployments read,
// the cert-manager Issuers and Certificates whose Secrets the servers mount.
//
// Every object is validated against the Kubernetes OpenAPI schemas shipped in
// the npm package kubernetes-models (the examples' CRDs are not in it: their
// fields are checked below). Exits non-zero with one line per problem.

import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const options = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const [renderedPath, flagsDir, ...examplePaths] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
for (const option of options) {
  if (option !== "--plaintext") {
    console.error(`unknown option ${option}`);
    process.exit(2);
  }
}
const plaintext = options.includes("--plaintext");
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

const readObjects = (path) =>
  parseAllDocuments(readFileSync(path, "utf8"))
    .map((doc) => doc.toJS())
    .filter((object) => object);
const objects = readObjects(renderedPath);
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
// A Go duration as cert-manager writes them ("720h", "1h30m"), in seconds.
const goSeconds = (duration) => {
  const units = { h: 3600, m: 60, s: 1 };
  if (!/^(\d+[hms])+$/.test(duration ?? "")) return NaN;
  return [...duration.matchAll(/(\d+)([hms])/g)].reduce((sum, [, n, unit]) => sum + n * units[unit], 0);
};
const labelsOf = (set) => set.spec.selector.matchLabels;
// A Service's selector: labels only.
const selects = (selector, labels) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
// A LabelSelector (matchLabels and matchExpressions); an empty one selects all.
const matchesSelector = (selector, labels) => {
  if (!selector) return false;
  const expressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === "In") return key in labels && values.includes(labels[key]);
    if (operator === "NotIn") return !(key in labels) || !values.includes(labels[key]);
    if (operator === "Exists") return key in labels;
    if (operator === "DoesNotExist") return !(key in labels);
    return false;
  });
  return selects(selector.matchLabels, labels) && expressions;
};
// A selector naming exactly these labels, no more, no less, and no expressions.
const exactly = (selector, labels) =>
  !!selector &&
  !(selector.matchExpressions ?? []).length &&
  JSON.stringify(Object.entries(selector.matchLabels ?? {}).sort()) ===
    JSON.stringify(Object.entries(labels).sort());
const describe = (peer) => JSON.stringify(peer);
// Without policyTypes a policy restricts ingress, and egress if it has rules for it.
const typesOf = (policy) => policy.spec.policyTypes ?? ["Ingress", ...(policy.spec.egress ? ["Egress"] : [])];

// The examples: the database's Secret, when the overlay runs on one
// (CloudNativePG names it <cluster>-app, the connection URI under "uri"),
// and cert-manager's objects.
let database = null;
const certManager = [];
for (const path of examplePaths) {
  for (const object of readObjects(path)) {
    if (object.apiVersion === "postgresql.cnpg.io/v1" && object.kind === "Cluster" && !database) database = object;
    else if (object.apiVersion?.startsWith("cert-manager.io/")) certManager.push(object);
    else problem(`${path} ${named(object)}`, "neither a CloudNativePG Cluster nor a cert-manager object");
  }
}
if (database) {
  const where = named(database);
  if (!(database.spec?.instances >= 3)) problem(where, "needs at least 3 instances");
  if (!(database.spec?.minSyncReplicas >= 1)) {
    problem(where, "needs a synchronous standby: a failover must lose no acknowledged write");
  }
}
// The labels CloudNativePG puts on the database's instance pods.
const databasePodLabels = database && { "cnpg.io/cluster": database.metadata.name, "cnpg.io/podRole": "instance" };

// Who calls whom: the ingress side, fixed here; the egress side follows
// from the servers' TRUSTSPHERE_<SERVICE>_ADDR keys and must agree with it.
const expectedCallers = {
  identity: ["recommendations", "relationships"],
  relationships: ["recommendations"],
  recommendations: [],
};

const servers = [...byKind("StatefulSet"), ...byKind("Deployment")];
const serviceOf = (set) => set.spec.template.metadata.labels?.["app.kubernetes.io/name"];
const containerPort = (container, name) => container.ports?.find((port) => port.name === name)?.containerPort;
const grpcPortOf = Object.fromEntries(
  servers.map((set) => [serviceOf(set), containerPort(set.spec.template.spec.containers[0], "grpc")]));
// Service name -> the hosts its callers dial it by, and by which key.
const dialled = {};

const tlsFiles = {
  TRUSTSPHERE_TLS_CERT_FILE: "tls.crt",
  TRUSTSPHERE_TLS_KEY_FILE: "tls.key",
  TRUSTSPHERE_TLS_CA_FILE: "ca.crt",
};

// 3. Invariants of every server: one RocksDB writer per StatefulSet, or
// stateless replicas (Deployments) over the shared database.
for (const set of servers) {
  const where = named(set);
  const pod = set.spec.template.spec;
  const service = serviceOf(set);
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
    const budget = byKind("PodDisruptionBudget").find((b) => matchesSelector(b.spec.selector, labels));
    if (budget && !(budget.spec.minAvailable >= 2)) {
      problem(named(budget), "must keep at least 2 replicas through voluntary disruptions");
    }
  }

  // The services this one calls (TRUSTSPHERE_<SERVICE>_ADDR), for egress.
  const callees = new Set();
  for (const container of pod.containers) {
    const at = `${where} container ${container.name}`;
    const grpcPort = containerPort(container, "grpc");
    const metricsPort = containerPort(container, "metrics");
    // The kubelet's gRPC probe speaks plaintext only, and the gRPC port
    // serves TLS: probes ask the metrics port (plain HTTP). Readiness
    // follows the storage; liveness does not, so that an outage of a
    // shared database does not restart every pod.
    const probes = { startupProbe: "/readyz", readinessProbe: "/readyz", livenessProbe: "/livez" };
    for (const [probe, path] of Object.entries(probes)) {
      const get = container[probe]?.httpGet;
      const onMetrics = get && (get.port === "metrics" || get.port === metricsPort);
      if (container[probe]?.grpc) problem(at, `${probe} is a gRPC probe: the kubelet's has no TLS`);
      if (!get || get.path !== path || !onMetrics || (get.scheme ?? "HTTP") !== "HTTP") {
        problem(at, `${probe} must be httpGet ${path} on the metrics port (${metricsPort})`);
      }
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
    const mounts = container.volumeMounts ?? [];
    if (!mounts.some((mount) => mount.mountPath === "/tmp")) problem(at, "/tmp must be a volume (read-only root)");
    // The kubelet updates a Secret volume by swapping a symlinked folder;
    // a file mounted with subPath is never updated, so a renewed
    // certificate or a rotated token would never reach the server.
    for (const mount of mounts) {
      const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
      if (volume?.secret && (mount.subPath || mount.subPathExpr)) {
        problem(at, `Secret volume ${volume.name} is mounted with subPath: rotation would never reach it`);
      }
    }

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
    // What the server is configured with: its ConfigMaps, then env.
    const config = {};
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
      Object.assign(config, map.data);
    }
    for (const variable of container.env ?? []) config[variable.name] = variable.value ?? "(from a reference)";

    const metricsListen = config.TRUSTSPHERE_METRICS_LISTEN ?? "";
    if (!metricsListen.endsWith(`:${metricsPort}`)) {
      problem(at, `TRUSTSPHERE_METRICS_LISTEN ${metricsListen} != metrics port ${metricsPort} (the probes ask it)`);
    }

    // Transport: mutual TLS from the Secret <service>-tls, mounted whole;
    // plaintext only where the overlay is validated as --plaintext.
    const tlsSecret = `${service}-tls`;
    if (plaintext) {
      if (config.TRUSTSPHERE_ALLOW_INSECURE !== "true") {
        problem(at, "a plaintext overlay needs TRUSTSPHERE_ALLOW_INSECURE=true (plaintext off loopback is refused)");
      }
      for (const key of [...Object.keys(tlsFiles), "TRUSTSPHERE_REQUIRE_CLIENT_CERT"]) {
        if (key in config) problem(at, `${key} set in a plaintext overlay: TLS half configured`);
      }
      // A Secret volume waits for its Secret: the pod would never start.
      for (const volume of pod.volumes ?? []) {
        if (volume.secret?.secretName === tlsSecret && !volume.secret.optional) {
          problem(at, `mounts the Secret ${tlsSecret}, which a cluster without certificates lacks`);
        }
      }
    } else {
      if ("TRUSTSPHERE_ALLOW_INSECURE" in config) {
        problem(at, "TRUSTSPHERE_ALLOW_INSECURE set: plaintext belongs to a local cluster's overlay only");
      }
      if (config.TRUSTSPHERE_REQUIRE_CLIENT_CERT !== "true") {
        problem(at, "TRUSTSPHERE_REQUIRE_CLIENT_CERT must be true: a service token needs its service's certificate");
      }
      for (const [key, file] of Object.entries(tlsFiles)) {
        const path = config[key];
        if (!path) {
          problem(at, `${key} missing: the gRPC port must serve TLS`);
          continue;
        }
        const mount = mounts
          .filter((m) => path.startsWith(`${m.mountPath.replace(/\/$/, "")}/`))
          .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
        const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
        const inside = mount && path.slice(mount.mountPath.replace(/\/$/, "").length + 1);
        const items = volume?.secret?.items;
        const found = items ? items.some((item) => item.key === file && item.path === inside) : inside === file;
        if (volume?.secret?.secretName !== tlsSecret || !found) {
          problem(at, `${key} ${path} must be ${file} of the Secret ${tlsSecret} mounted as a folder`);
        } else if (mount.readOnly !== true) {
          problem(at, `the Secret ${tlsSecret} must be mounted readOnly`);
        }
      }
    }

    // Whom it dials: a Service of this overlay, on its gRPC port, that
    // admits this service.
    for (const [key, value] of Object.entries(config)) {
      const match = /^TRUSTSPHERE_(\w+)_ADDR$/.exec(key);
      if (!match) continue;
      const address = String(value).replace(/^dns:\/\/\//, "");
      const host = address.slice(0, address.lastIndexOf(":"));
      const port = Number(address.slice(address.lastIndexOf(":") + 1));
      const target = byKind("Service").find((s) => s.metadata.name === host.split(".")[0]);
      const callee = target?.spec.selector?.["app.kubernetes.io/name"];
      if (!target || callee !== match[1].toLowerCase()) {
        problem(at, `${key} ${value} is not the Service ${match[1].toLowerCase()}`);
        continue;
      }
      if (!target.spec.ports.some((p) => p.name === "grpc" && p.port === port)) {
        problem(at, `${key} ${value} is not the gRPC port of the Service ${host}`);
      }
      if (!(expectedCallers[callee] ?? []).includes(service)) {
        problem(at, `${key}: ${callee} admits no calls from ${service}`);
      }
      callees.add(callee);
      (dialled[callee] ??= []).push({ host, key, from: service });
    }
  }

  if (!byKind("Service").some((service) => selects(service.spec.selector, labels))) {
    problem(where, "no Service selects it");
  }
  if (!byKind("PodDisruptionBudget").some((budget) => matchesSelector(budget.spec.selector, labels))) {
    problem(where, "no PodDisruptionBudget covers it");
  }
  if (!selects(labelsOf(set), labels)) problem(where, "selector does not match the pod labels");

  // 4. Network policies. Ingress: only the callers that need the service
  // on its gRPC port, the gateway too, and monitoring on the metrics port.
  const grpcPort = grpcPortOf[service];
  const metricsPort = containerPort(pod.containers[0], "metrics");
  const portName = ({ port }) => {
    if (port === "grpc" || port === grpcPort) return "grpc";
    if (port === "metrics" || port === metricsPort) return "metrics";
    return String(port);
  };
  const policies = byKind("NetworkPolicy").filter((policy) => matchesSelector(policy.spec.podSelector, labels));
  const ingress = policies.filter((policy) => typesOf(policy).includes("Ingress"));
  if (!ingress.length) problem(where, "no NetworkPolicy restricts who reaches it");
  const callers = [];
  ingress.flatMap((policy) => policy.spec.ingress ?? []).forEach((rule, index) => {
    if (!rule.from?.length) problem(where, `ingress rule ${index + 1} admits every source`);
    if (!rule.ports?.length) problem(where, `ingress rule ${index + 1} admits every port`);
    const ports = (rule.ports ?? []).map(portName);
    for (const peer of rule.from ?? []) {
      const caller = peer.podSelector?.matchLabels?.["app.kubernetes.io/name"];
      const pods = !peer.namespaceSelector && !peer.ipBlock;
      let port;
      if (pods && caller && exactly(peer.podSelector, { "app.kubernetes.io/name": caller })) {
        callers.push(caller);
        port = "grpc";
      } else if (pods && exactly(peer.podSelector, { "trustsphere.io/gateway": "true" })) {
        port = "grpc";
      } else if (!peer.podSelector && exactly(peer.namespaceSelector, { "trustsphere.io/monitoring": "true" })) {
        port = "metrics";
      } else {
        problem(where, `ingress from ${describe(peer)} is no caller of it`);
        continue;
      }
      if (ports.some((p) => p !== port)) {
        problem(where, `ingress from ${describe(peer)} must be on its ${port} port only`);
      }
    }
  });
  callers.sort();
  if (JSON.stringify(callers) !== JSON.stringify(expectedCallers[service] ?? [])) {
    problem(where, `callers ${callers} instead of ${expectedCallers[service]}`);
  }

  // Egress: DNS, the gRPC ports of the services it calls and, for
  // replicas, the database: nothing else.
  const egress = policies.filter((policy) => typesOf(policy).includes("Egress"));
  if (!egress.length) {
    problem(where, "no NetworkPolicy restricts where it connects (policyTypes Egress)");
    continue;
  }
  const destination = (peer, port) => {
    const protocol = port.protocol ?? "TCP";
    if (port.endPort) return null;
    if (!peer.ipBlock && port.port === 53 && (protocol === "UDP" || protocol === "TCP") &&
        exactly(peer.namespaceSelector, { "kubernetes.io/metadata.name": "kube-system" }) &&
        exactly(peer.podSelector, { "k8s-app": "kube-dns" })) {
      return `DNS over ${protocol}`;
    }
    if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector || protocol !== "TCP") return null;
    for (const callee of callees) {
      if (exactly(peer.podSelector, { "app.kubernetes.io/name": callee }) &&
          (port.port === "grpc" || port.port === grpcPortOf[callee])) {
        return `the gRPC port of ${callee}`;
      }
    }
    // Some of the database pods' labels, never an empty selector (all pods).
    const podLabels = Object.entries(peer.podSelector.matchLabels ?? {});
    const selectsDatabase = podLabels.length > 0 && !(peer.podSelector.matchExpressions ?? []).length &&
      (!database || podLabels.every(([key, value]) => databasePodLabels[key] === value));
    if (set.kind === "Deployment" && port.port === 5432 && selectsDatabase) return "the database";
    return null;
  };
  const reached = new Set();
  egress.flatMap((policy) => policy.spec.egress ?? []).forEach((rule, index) => {
    if (!rule.to?.length) return problem(where, `egress rule ${index + 1} allows every destination`);
    if (!rule.ports?.length) return problem(where, `egress rule ${index + 1} allows every port`);
    for (const peer of rule.to) {
      for (const port of rule.ports) {
        const what = destination(peer, port);
        if (what) reached.add(what);
        else {
          problem(where, `egress to ${describe(peer)} on ${port.protocol ?? "TCP"} ${port.port} is nothing it needs`);
        }
      }
    }
  });
  const needed = ["DNS over UDP", "DNS over TCP", ...[...callees].map((callee) => `the gRPC port of ${callee}`)];
  if (set.kind === "Deployment") needed.push("the database");
  for (const need of needed) {
    if (!reached.has(need)) problem(where, `egress must allow ${need}`);
  }
}

// 5. The certificates: one per service, in its pods' namespace, naming the
// service (its service token's subject) and every host it is dialled by,
// for both ends of a connection, renewed early with a new key, from a CA
// that every service trusts (ca.crt).
if (certManager.length) {
  const certificates = certManager.filter((object) => object.kind === "Certificate");
  for (const set of servers) {
    const service = serviceOf(set);
    const namespace = set.metadata.namespace ?? "default";
    const certificate = certificates.find((c) => c.spec?.secretName === `${service}-tls`);
    if (!certificate) {
      problem(named(set), `no Certificate of the example makes its Secret ${service}-tls`);
      continue;
    }
    const where = named(certificate);
    const spec = certificate.spec;
    if ((certificate.metadata.namespace ?? "default") !== namespace) {
      problem(where, `in namespace ${certificate.metadata.namespace}, the pods of ${service} in ${namespace}`);
    }
    if (spec.commonName !== service) problem(where, `commonName must be ${service}, its service token's subject`);
    for (const { host, key, from } of dialled[service] ?? []) {
      if (!(spec.dnsNames ?? []).includes(host)) {
        problem(where, `dnsNames lack ${host}, which ${from} dials (${key})`);
      }
    }
    for (const usage of ["server auth", "client auth"]) {
      if (!(spec.usages ?? []).includes(usage)) problem(where, `usages lack "${usage}"`);
    }
    if (spec.privateKey?.rotationPolicy !== "Always") {
      problem(where, "privateKey.rotationPolicy must be Always: each renewal a new key");
    }
    const duration = goSeconds(spec.duration);
    const renewBefore = goSeconds(spec.renewBefore);
    if (!(renewBefore > 0 && duration > renewBefore)) {
      problem(where, "needs a duration and a shorter renewBefore");
    }
    const kind = spec.issuerRef?.kind ?? "Issuer";
    const issuer = certManager.find((object) =>
      object.kind === kind && object.metadata.name === spec.issuerRef?.name &&
      (kind === "ClusterIssuer" || object.metadata.namespace === certificate.metadata.namespace));
    if (!issuer) problem(where, `its ${kind} ${spec.issuerRef?.name} is not in the example`);
    else if (!issuer.spec?.ca) {
      problem(where, `its ${kind} ${issuer.metadata.name} is no CA issuer: the services need one CA`);
    }
  }
}

if (problems.length) {
  for (const line of new Set(problems)) console.error(line);
  process.exit(1);
}
console.log(`${objects.length} objects valid (${renderedPath})`);
