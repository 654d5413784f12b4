// deploy/ as an operator meets it: `kubectl kustomize` renders both Kubernetes variants
// into objects whose probes, grace period, resources and secret references agree with
// the config they carry; compose.yaml, nginx, Prometheus and Grafana's provisioning
// point at files and ports that exist; the systemd unit verifies. Tools that the machine
// lacks make their test skip with the reason, never pass silently.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { TOLLGATE_BIN, tempDir } from "./lib/harness.mjs";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();
const deploy = path.join(root, "deploy");

function has(tool) {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

// "30s", "500ms", "2m" → seconds.
function seconds(duration) {
  const m = /^(\d+)(ms|s|m)$/.exec(String(duration));
  assert.ok(m, `not a duration: ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2]];
}

// "${VAR:-default}" → default (what a replica gets with nothing set).
const withDefaults = (text) => text.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1");
const port = (address) => Number(String(address).split(":").at(-1));

// Debian 12's kubectl (1.20, kustomize 2.0) and current ones both render these folders.
function render(dir) {
  const out = execFileSync("kubectl", ["kustomize", path.join(deploy, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const objects = YAML.parseAllDocuments(out).map((d) => d.toJS());
  const find = (kind, name = "tollgate") => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    assert.ok(o, `${dir}: no ${kind} ${name}`);
    return o;
  };
  return { objects, find };
}

// The checks both variants pass; returns the parsed config for variant-specific ones.
function checkGatewayObjects(dir) {
  const { objects, find } = render(dir);
  const deployment = find("Deployment");
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "tollgate");
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));

  // The ConfigMap the pod mounts exists and holds a config the gateway accepts.
  const volume = pod.volumes.find((v) => v.configMap);
  const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap.name);
  assert.ok(configMap, `${dir}: the pod mounts ConfigMap ${volume.configMap.name}, which is not rendered`);
  const text = configMap.data["tollgate.yaml"];
  const file = path.join(tempDir(), "tollgate.yaml");
  writeFileSync(file, text);
  const check = spawnSync(TOLLGATE_BIN, ["--config", file, "--check"], { encoding: "utf8" });
  assert.equal(check.status, 0, `${dir}: tollgate --check refused the ConfigMap's config:\n${check.stderr}`);
  const config = YAML.parse(withDefaults(text));

  // Probes on the admin listener: /readyz for readiness, /healthz for liveness.
  assert.equal(ports.admin, port(config.server.admin), "the admin port is not server.admin's");
  assert.equal(ports.http, port(config.server.listen[0].address));
  assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "admin" });
  assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: "admin" });
  const annotations = deployment.spec.template.metadata.annotations;
  assert.equal(annotations["prometheus.io/scrape"], "true");
  assert.equal(Number(annotations["prometheus.io/port"]), ports.admin);
  assert.equal(annotations["prometheus.io/path"], "/metrics");

  // Endpoints drop during preStop, then the drain runs: the kubelet waits for both.
  const preStop = container.lifecycle.preStop.exec.command;
  assert.equal(preStop.at(-2), "/bin/sleep");
  const wait = Number(preStop.at(-1)) + seconds(config.server.drain_timeout);
  assert.ok(pod.terminationGracePeriodSeconds >= wait,
    `${dir}: terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop + drain_timeout (${wait})`);

  // threads: 0 follows the CPU limit (usable_cores reads the cgroup quota).
  assert.equal(String(config.server.threads), "0");
  assert.ok(container.resources.limits.cpu && container.resources.limits.memory, "no CPU or memory limit");
  assert.ok(container.resources.requests.cpu, "no CPU request (the HPA needs one)");

  // Keys come from a Secret, never from the ConfigMap.
  for (const name of ["OPENAI_API_KEY", "TOLLGATE_ADMIN_KEY"]) {
    const env = container.env.find((e) => e.name === name);
    assert.ok(env?.valueFrom?.secretKeyRef, `${dir}: ${name} is not a Secret reference`);
  }
  assert.match(config.server.admin_key ?? "", /^$/, "admin_key has a value in the ConfigMap");
  assert.match(text, /admin_key: \$\{TOLLGATE_ADMIN_KEY/);
  for (const p of config.providers) assert.match(text, new RegExp(`api_key: \\$\\{[A-Z_]+`), p.name);
  assert.doesNotMatch(JSON.stringify(objects.filter((o) => o.kind === "ConfigMap")), /sk-[A-Za-z0-9]/);
  assert.ok(!objects.some((o) => o.kind === "Secret"), "a Secret is rendered: keys belong outside the repository");

  // The Service publishes the API only: the admin port answers /metrics without a key.
  assert.deepEqual(find("Service").spec.ports.map((p) => p.targetPort), ["http"], `${dir}: the Service publishes more than the API`);
  // Whole CPUs: threads: 0 rounds a quota of 1.5 up to 2 workers, which it then throttles.
  assert.match(String(container.resources.limits.cpu), /^\d+$/, `${dir}: a fractional CPU limit`);
  // A read-only root file system, so the SQLite file's folder is a volume.
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  if (config.state?.sqlite) {
    assert.ok(container.volumeMounts.some((m) => m.mountPath === path.dirname(config.state.sqlite) && !m.readOnly),
      `${dir}: nothing writable is mounted where state.sqlite is`);
  }

  // Non-root, and the Service, HPA and PDB select these pods.
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  const labels = deployment.spec.template.metadata.labels;
  const selects = (selector) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert.ok(selects(find("Service").spec.selector));
  assert.ok(selects(find("PodDisruptionBudget").spec.selector.matchLabels));
  assert.equal(find("HorizontalPodAutoscaler").spec.scaleTargetRef.name, deployment.metadata.name);
  return { config, find, container };
}

test("kubectl kustomize deploy/k8s: one replica whose probes, grace period and resources fit its config", { skip: !has("kubectl") && "kubectl is not installed (scripts/install-deps.sh --with-test-tools installs kubernetes-client)" }, () => {
  const { config, find } = checkGatewayObjects("k8s");
  assert.equal(config.state.redis, undefined);
  // Limits live in each pod's SQLite: more than one replica would multiply them.
  assert.equal(find("HorizontalPodAutoscaler").spec.maxReplicas, 1);
});

test("kubectl kustomize deploy/k8s-redis: 2..10 replicas sharing the Redis it deploys", { skip: !has("kubectl") && "kubectl is not installed (scripts/install-deps.sh --with-test-tools installs kubernetes-client)" }, () => {
  const { config, find, container } = checkGatewayObjects("k8s-redis");
  const hpa = find("HorizontalPodAutoscaler");
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  assert.equal(find("PodDisruptionBudget").spec.minAvailable, 1);
  assert.equal(config.cache.store, "redis");
  // TOLLGATE_REDIS names the Service and port of the Redis the overlay deploys.
  const url = new URL(container.env.find((e) => e.name === "TOLLGATE_REDIS").value);
  const service = find("Service", url.hostname);
  assert.equal(service.metadata.name, url.hostname);
  assert.equal(service.spec.ports[0].port, Number(url.port));
  const redis = find("Deployment", url.hostname);
  const redisLabels = redis.spec.template.metadata.labels;
  assert.ok(Object.entries(service.spec.selector).every(([k, v]) => redisLabels[k] === v));
});

// deploy/Dockerfile's instructions, continuation lines joined, by stage.
function dockerfileStages() {
  const lines = readFileSync(path.join(deploy, "Dockerfile"), "utf8").replace(/\\\n/g, " ").split("\n")
    .filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  const stages = [];
  for (const line of lines) {
    const [, op, rest] = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (op === "FROM") stages.push({ from: rest, ops: [] });
    else stages.at(-1).ops.push([op, rest.trim()]);
  }
  return stages;
}

test("deploy/Dockerfile: the runtime stage runs the shipped config unprivileged, checks /healthz, stops by SIGTERM with time to drain", () => {
  const stages = dockerfileStages();
  assert.equal(stages.length, 2, "a build stage and a runtime stage");
  for (const stage of stages) assert.match(stage.from, /^debian:12\b/);
  const runtime = stages.at(-1).ops;
  const all = (op) => runtime.filter(([o]) => o === op).map(([, rest]) => rest);
  const one = (op) => all(op).at(-1);
  const text = runtime.map(([op, rest]) => `${op} ${rest}`).join("\n");
  // Only runtime libraries: no compiler, no -dev package, no build script.
  assert.doesNotMatch(text, /install-deps|build-essential|cmake|-dev\b/);

  const config = YAML.parse(withDefaults(readFileSync(path.join(deploy, "k8s/tollgate.yaml"), "utf8")));
  const copy = all("COPY").find((c) => c.endsWith(" /etc/tollgate/tollgate.yaml"));
  assert.equal(copy, "deploy/k8s/tollgate.yaml /etc/tollgate/tollgate.yaml");
  assert.deepEqual(JSON.parse(one("CMD")), ["--config", "/etc/tollgate/tollgate.yaml"]);

  // Non-root, numeric (runAsNonRoot can check it), the uid the Kubernetes pods run as.
  const [uid, gid] = one("USER").split(":").map(Number);
  assert.ok(uid > 0 && gid > 0, `USER ${one("USER")}`);
  const pod = YAML.parse(readFileSync(path.join(deploy, "k8s/deployment.yaml"), "utf8")).spec.template.spec;
  assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup], [uid, gid]);
  assert.equal(one("VOLUME"), path.dirname(config.state.sqlite));
  assert.deepEqual(one("EXPOSE").split(/\s+/).map(Number), [port(config.server.listen[0].address), port(config.server.admin)]);

  // HEALTHCHECK: GET /healthz on the admin port of the shipped config.
  const health = one("HEALTHCHECK");
  assert.match(health, /CMD \[/);
  assert.match(health, /GET \/healthz /);
  assert.equal(Number(/TOLLGATE_HEALTH_PORT:-(\d+)/.exec(health)[1]), port(config.server.admin));

  // SIGTERM drains for drain_timeout; the stop timeout the image asks for is longer, and
  // so are compose's and Kubernetes'.
  assert.equal(one("STOPSIGNAL"), "SIGTERM");
  const stopTimeout = Number(/io\.tollgate\.stop-timeout="(\d+)"/.exec(all("LABEL").join(" "))[1]);
  assert.ok(stopTimeout > seconds(config.server.drain_timeout), `stop timeout ${stopTimeout} ≤ drain_timeout`);
  assert.equal(seconds(compose().services["tollgate-1"].stop_grace_period), stopTimeout);
  assert.equal(pod.terminationGracePeriodSeconds, stopTimeout);
});

function compose() {
  return YAML.parse(readFileSync(path.join(deploy, "compose.yaml"), "utf8"), { merge: true });
}

test("compose.yaml: two replicas behind nginx, Redis, Prometheus and Grafana, every mounted file present", () => {
  const stack = compose();
  const replicas = Object.keys(stack.services).filter((s) => s.startsWith("tollgate-"));
  assert.deepEqual(replicas, ["tollgate-1", "tollgate-2"]);
  for (const name of ["lb", "redis", "prometheus", "grafana"]) assert.ok(stack.services[name], name);
  for (const [name, service] of Object.entries(stack.services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(":")[0];
      if (source.startsWith(".")) assert.ok(existsSync(path.join(deploy, source)), `${name}: ${source} does not exist`);
    }
    if (service.build) assert.ok(existsSync(path.join(deploy, service.build.context)), name);
  }
  for (const name of replicas) {
    const replica = stack.services[name];
    const configFile = replica.volumes.find((v) => v.endsWith(":/etc/tollgate/tollgate.yaml:ro")).split(":")[0];
    const config = YAML.parse(withDefaults(readFileSync(path.join(deploy, configFile), "utf8")));
    assert.ok(seconds(replica.stop_grace_period) > seconds(config.server.drain_timeout), "stop_grace_period ≤ drain_timeout");
    assert.equal(new URL(replica.environment.TOLLGATE_REDIS).hostname, "redis");
    assert.equal(config.cache.store, "redis");
  }
  // nginx balances every replica's API port; Prometheus scrapes every admin port.
  const nginx = readFileSync(path.join(deploy, "nginx/nginx.conf"), "utf8");
  const prometheus = YAML.parse(readFileSync(path.join(deploy, "prometheus/prometheus.yml"), "utf8"));
  const job = prometheus.scrape_configs.find((j) => j.job_name === "tollgate");
  for (const name of replicas) {
    assert.match(nginx, new RegExp(`server ${name}:8080`));
    assert.ok(job.static_configs[0].targets.includes(`${name}:9090`));
  }
  assert.match(nginx, /proxy_buffering off/);
  // The shipped alert rules, mounted beside prometheus.yml under the name it loads.
  const mounts = stack.services.prometheus.volumes;
  const promDir = path.dirname(mounts.find((v) => v.startsWith("./prometheus/prometheus.yml")).split(":")[1]);
  assert.ok(mounts.includes(`../observability/prometheus/alerts.yml:${promDir}/${prometheus.rule_files[0]}:ro`));
});

test("Grafana's provisioning loads the shipped dashboard with the Prometheus data source", () => {
  const stack = compose();
  const grafana = stack.services.grafana;
  const provisioning = path.join(deploy, "grafana/provisioning");
  const datasources = YAML.parse(readFileSync(path.join(provisioning, "datasources/prometheus.yaml"), "utf8")).datasources;
  const providers = YAML.parse(readFileSync(path.join(provisioning, "dashboards/tollgate.yaml"), "utf8")).providers;
  const dashboardMount = grafana.volumes.find((v) => v.startsWith("../observability/grafana/tollgate.json:")).split(":")[1];
  assert.equal(path.dirname(dashboardMount), providers[0].options.path);
  assert.ok(grafana.volumes.includes("./grafana/provisioning:/etc/grafana/provisioning:ro"));

  const dashboard = JSON.parse(readFileSync(path.join(root, "observability/grafana/tollgate.json"), "utf8"));
  const variable = dashboard.templating.list.find((v) => v.type === "datasource");
  const source = datasources.find((d) => d.isDefault);
  assert.equal(source.type, variable.query, "the dashboard's data source variable picks another type");
  assert.equal(new URL(source.url).hostname, "prometheus");
  assert.ok(stack.services.prometheus);
  // The data source Grafana reaches is Prometheus's port inside the stack.
  const promPorts = stack.services.prometheus.ports.map((p) => Number(String(p).split(":").at(-1)));
  assert.ok(promPorts.includes(Number(new URL(source.url).port)), `${source.url}: not the port Prometheus listens on`);
  assert.equal(new Set(datasources.map((d) => d.uid)).size, datasources.length, "two data sources share a uid");
  assert.equal(datasources.filter((d) => d.isDefault).length, 1, "one default data source");
  // File provisioning substitutes no __inputs (that is the UI's import): a dashboard with
  // them would ask for "${DS_PROMETHEUS}" as a data source and show no panel.
  assert.equal(dashboard.__inputs, undefined);
  assert.deepEqual(variable.current ?? {}, {}, "the data source variable is pinned to one data source");
  // The home page is the mounted dashboard.
  assert.equal(grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, dashboardMount);
  // Every data source a panel or query names is the variable's type, or Grafana's own.
  const named = [];
  const walk = (o) => {
    if (o && typeof o === "object") {
      for (const [k, v] of Object.entries(o)) (k === "datasource" ? named.push(v) : walk(v));
    }
  };
  walk(dashboard);
  assert.ok(named.length > 0);
  for (const ds of named) {
    const ok = (ds?.type === variable.query && ds.uid === `\${${variable.name}}`) || ds?.type === "grafana";
    assert.ok(ok, `a panel names the data source ${JSON.stringify(ds)}`);
  }
  // Every panel asks the variable (so the provisioned default), or Grafana itself.
  const uids = new Set(JSON.stringify(dashboard).match(/"uid":\s*"[^"]*"/g).map((u) => u.split('"')[3]));
  for (const uid of uids) assert.ok([`\${${variable.name}}`, "-- Grafana --", dashboard.uid].includes(uid), uid);
});

test("promtool accepts the stack's Prometheus config with the shipped alert rules", { skip: !has("promtool") && "promtool is not installed (Debian prometheus)" }, () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "prometheus.yml"), readFileSync(path.join(deploy, "prometheus/prometheus.yml")));
  writeFileSync(path.join(dir, "alerts.yml"), readFileSync(path.join(root, "observability/prometheus/alerts.yml")));
  const r = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 1 rule files found/);
});

test("nginx -t accepts the load balancer's config", { skip: !has("nginx") && "nginx is not installed (Debian nginx-light)" }, () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, "logs"));
  // The replicas' names resolve only inside the stack's network.
  const conf = readFileSync(path.join(deploy, "nginx/nginx.conf"), "utf8").replace(/tollgate-\d/g, "127.0.0.1");
  writeFileSync(path.join(dir, "nginx.conf"), conf.replace("pid /tmp/nginx.pid", `pid ${dir}/nginx.pid`));
  const r = spawnSync("nginx", ["-t", "-p", dir, "-e", "stderr", "-c", path.join(dir, "nginx.conf")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

// What a compose tool makes of compose.yaml: `docker compose config`, or podman-compose's
// `config` where it has one. Debian 12's podman-compose (1.0.3) has none; its --dry-run
// `up` prints the podman commands it would run, with `true` standing in for podman (even
// a dry run creates networks and volumes through podman), which is what is checked.
const composeEnv = { ...process.env, OPENAI_API_KEY: "sk-from-the-environment", TOLLGATE_ADMIN_KEY: "" };

function composeTool() {
  if (has("docker") && spawnSync("docker", ["compose", "version"]).status === 0) return "docker";
  if (!has("podman-compose")) return null;
  const help = spawnSync("podman-compose", ["--help"], { encoding: "utf8" }).stdout;
  return /[{,]config[,}]/.test(help) ? "podman-compose" : "podman-compose-1.0";
}

// → { service: { environment, volumes (container paths), stopSignal, ports } }
function composeConfig(tool) {
  const file = path.join(deploy, "compose.yaml");
  const run = (bin, args) => {
    const r = spawnSync(bin, args, { encoding: "utf8", env: composeEnv });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout;
  };
  if (tool !== "podman-compose-1.0") {
    const out = tool === "docker" ? run("docker", ["compose", "-f", file, "config"]) : run("podman-compose", ["-f", file, "config"]);
    return Object.fromEntries(Object.entries(YAML.parse(out).services).map(([name, s]) => [name, {
      environment: s.environment ?? {},
      volumes: (s.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":")[1] : v.target)),
      stopSignal: s.stop_signal,
      ports: (s.ports ?? []).map((p) => (typeof p === "string" ? p : `${p.host_ip ? `${p.host_ip}:` : ""}${p.published}:${p.target}`)),
    }]));
  }
  const out = run("podman-compose", ["--dry-run", "--podman-path", "true", "-f", file, "up", "--no-start", "--no-build"]);
  const services = {};
  for (const line of out.split("\n").filter((l) => l.startsWith("true create "))) {
    const name = /com\.docker\.compose\.service=(\S+)/.exec(line)[1];
    services[name] = {
      environment: Object.fromEntries([...line.matchAll(/ -e ([A-Z_]+)=(\S*)/g)].map((m) => [m[1], m[2]])),
      volumes: [...line.matchAll(/ -v \S+?:([^:\s]+)/g)].map((m) => m[1]),
      stopSignal: / --stop-signal (\S+)/.exec(line)?.[1],
      ports: [...line.matchAll(/ -p (\S+)/g)].map((m) => m[1]),
    };
  }
  return services;
}

test("a compose tool reads compose.yaml: every service, keys from the environment, the replicas' config, SIGTERM", (t) => {
  const tool = composeTool();
  if (!tool) {
    t.skip("neither `docker compose` nor podman-compose is on this machine; compose.yaml was checked as YAML above");
    return;
  }
  const services = composeConfig(tool);
  assert.deepEqual(Object.keys(services).sort(), Object.keys(compose().services).sort(), `${tool} sees other services`);
  for (const name of ["tollgate-1", "tollgate-2"]) {
    const replica = services[name];
    // The keys as the environment gives them: a literal "${OPENAI_API_KEY:-}" here would
    // be the key the replicas send (and an admin key anyone can read in compose.yaml).
    assert.equal(replica.environment.OPENAI_API_KEY, "sk-from-the-environment", `${tool}: ${name}'s OPENAI_API_KEY`);
    assert.equal(replica.environment.TOLLGATE_ADMIN_KEY ?? "", "", `${tool}: ${name}'s TOLLGATE_ADMIN_KEY`);
    assert.equal(replica.environment.TOLLGATE_REDIS, "redis://redis:6379/0");
    assert.ok(replica.volumes.includes("/etc/tollgate/tollgate.yaml"), `${tool}: ${name} has no config mounted`);
    assert.equal(replica.stopSignal, "SIGTERM");
  }
  assert.ok(services.lb.ports.some((p) => /(^|:)8080:8080$/.test(p)), `${tool}: the load balancer is not on port 8080`);
  assert.ok(services.grafana.volumes.includes("/etc/grafana/provisioning"));
});

test("the systemd unit verifies: Type=notify, reload by SIGHUP, a stop timeout above the drain, hardened", (t) => {
  const unit = readFileSync(path.join(deploy, "systemd/tollgate.service"), "utf8");
  const settings = {};
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) (settings[m[1]] ??= []).push(m[2]);
  }
  const one = (key) => settings[key]?.at(-1);
  assert.equal(one("Type"), "notify");
  assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
  const config = YAML.parse(withDefaults(readFileSync(path.join(deploy, "k8s/tollgate.yaml"), "utf8")));
  assert.match(one("ExecStart"), /--config \/etc\/tollgate\/tollgate\.yaml$/);
  assert.ok(Number(one("TimeoutStopSec")) > seconds(config.server.drain_timeout));
  for (const [key, value] of [["DynamicUser", "yes"], ["ProtectSystem", "strict"], ["NoNewPrivileges", "yes"], ["StateDirectory", "tollgate"]]) {
    assert.equal(one(key), value, key);
  }
  assert.ok(settings.SystemCallFilter.includes("@system-service"));
  // The SQLite file lives in the StateDirectory, the one place the service may write.
  assert.ok(settings.Environment.includes("TOLLGATE_SQLITE=/var/lib/tollgate/tollgate.db"));
  assert.equal(one("WorkingDirectory"), "/var/lib/tollgate");

  if (!has("systemd-analyze")) {
    t.skip("systemd-analyze is not installed; the unit was checked key by key above");
    return;
  }
  // verify exits 0 on unknown keys and bad values: any line it prints is a failure.
  const dir = tempDir();
  const file = path.join(dir, "tollgate.service");
  writeFileSync(file, unit.replaceAll("/usr/local/bin/tollgate", TOLLGATE_BIN));
  const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim() + r.stdout.trim(), "", "systemd-analyze verify complained");
});
