// The container image (deploy/Dockerfile) as a user runs it: it answers the README's
// curl, its HEALTHCHECK passes, it runs as uid 10001, and SIGTERM (podman stop) drains
// and exits 0.
//
// First, cheaply, whether podman can start any container here: a one-file image of
// Debian's busybox-static, imported (no registry), run with podman's default runtime and,
// when that fails, with the fallback docs/deploy.md gives for such hosts (runc, rlimits
// within the host's hard limits, in a containers.conf). When neither starts, every test
// here skips printing podman's own error.
//
// Building the image takes minutes (debootstrap, the -dev packages, the gateway's
// compile), so `make test` does not: `make test-image` sets TOLLGATE_IMAGE_BUILD=1 and the
// test builds it with scripts/build-image.sh; or name a built one in TOLLGATE_IMAGE.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curl, freePort, sleep, tempDir } from "./lib/harness.mjs";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();
const probeImage = `localhost/tollgate-probe:${process.pid}`;
const name = `tollgate-image-test-${process.pid}`;
const env = { ...process.env };

function podman(args, timeout = 120000) {
  return spawnSync("podman", args, { encoding: "utf8", timeout, env });
}
const has = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const lastLine = (r) => (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").at(-1);

// A root filesystem of one static busybox (plus its libraries, were it dynamic).
function busyboxTarball(dir) {
  const rootfs = path.join(dir, "rootfs");
  mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
  symlinkSync("busybox", path.join(rootfs, "bin/sh"));
  const ldd = spawnSync("ldd", ["/bin/busybox"], { encoding: "utf8" });
  for (const lib of ldd.status === 0 ? ldd.stdout.match(/\/\S+/g) ?? [] : []) {
    mkdirSync(path.join(rootfs, path.dirname(lib)), { recursive: true });
    copyFileSync(lib, path.join(rootfs, lib));
  }
  const tarball = path.join(dir, "rootfs.tar");
  const tar = spawnSync("tar", ["-C", rootfs, "-cf", tarball, "."], { encoding: "utf8" });
  assert.equal(tar.status, 0, tar.stderr);
  return tarball;
}

// docs/deploy.md's containers.conf for hosts where the default runtime cannot set the
// rlimits podman asks for (more than the host's hard limits) or use hybrid cgroups.
function fallbackConf(dir) {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const hard = (what) => {
    const v = new RegExp(`^Max ${what}\\s+\\S+\\s+(\\S+)`, "m").exec(limits)[1];
    return v === "unlimited" ? Infinity : Number(v);
  };
  const [files, procs] = [hard("open files"), hard("processes")];
  const conf = path.join(dir, "containers.conf");
  writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=${Math.min(files, 1048576)}:${Math.min(files, 1048576)}", ` +
    `"nproc=${Math.min(procs, 32768)}:${Math.min(procs, 32768)}"]\n[engine]\nruntime = "runc"\n`);
  return conf;
}

const probeRun = () => podman(["run", "--rm", "--network", "host", probeImage, "/bin/busybox", "echo", "started"], 60000);

// → { reason } when podman cannot start a container here, else { note } (how it could).
// long: each way podman can fail is one step with its own message.
function probe() {
  if (!has("podman")) return { reason: "podman is not installed (Debian podman: scripts/install-deps.sh --with-test-tools)" };
  if (!existsSync("/bin/busybox")) return { reason: "/bin/busybox is missing (Debian busybox-static: scripts/install-deps.sh --with-test-tools)" };
  const dir = tempDir();
  const imported = podman(["import", "-q", busyboxTarball(dir), probeImage]);
  if (imported.status !== 0) return { reason: `podman cannot import an image here: ${lastLine(imported)}` };
  const plain = probeRun();
  if (plain.status === 0 && plain.stdout.trim() === "started") return { note: "podman's default runtime starts containers here" };
  if (!has("runc")) return { reason: `podman cannot start a container here: ${lastLine(plain)} (and runc, the fallback, is not installed)` };
  env.CONTAINERS_CONF = fallbackConf(dir);
  const fallback = probeRun();
  if (fallback.status === 0 && fallback.stdout.trim() === "started") {
    return { note: `podman's default runtime cannot start a container here (${lastLine(plain)}); docs/deploy.md's fallback (runc, rlimits within the hard limits) can` };
  }
  return { reason: `podman cannot start a container here: ${lastLine(plain)}; with docs/deploy.md's runc fallback: ${lastLine(fallback)}` };
}

const t0 = Date.now();
const { reason, note } = probe();
console.log(`# deploy image probe (${Date.now() - t0} ms): ${reason ? `skipping: ${reason}` : note}`);

after(() => {
  if (has("podman")) {
    podman(["rm", "-f", name]);
    podman(["rmi", probeImage]);
  }
});

test("podman starts a container on this machine (its default runtime, or docs/deploy.md's runc fallback)", { skip: reason }, () => {
  const r = podman(["run", "--rm", "--network", "host", probeImage, "/bin/busybox", "sh", "-c", "echo $((6 * 7))"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "42");
});

// The image to run: TOLLGATE_IMAGE, or built now under `make test-image`.
function image() {
  if (process.env.TOLLGATE_IMAGE) return process.env.TOLLGATE_IMAGE;
  const tag = "localhost/tollgate:test";
  const log = path.join(root, "build", "image", "build-image.log");
  mkdirSync(path.dirname(log), { recursive: true });
  const fd = openSync(log, "w");
  const started = Date.now();
  const r = spawnSync(path.join(root, "scripts/build-image.sh"), [tag], { cwd: root, env, stdio: ["ignore", fd, fd], timeout: 3600000 });
  closeSync(fd);
  assert.equal(r.status, 0, `scripts/build-image.sh failed (${log}):\n${readFileSync(log, "utf8").slice(-3000)}`);
  console.log(`# built ${tag} in ${Math.round((Date.now() - started) / 1000)} s (${log})`);
  return tag;
}

const noImage = !process.env.TOLLGATE_IMAGE && !process.env.TOLLGATE_IMAGE_BUILD &&
  "the image is built only by `make test-image` (debootstrap, the -dev packages and the gateway's compile: 15 to 25 minutes on two cores), not by `make test`; or name a built one in TOLLGATE_IMAGE";
if (!reason && noImage) console.log(`# deploy image test skipped: ${noImage}`);

// long: one container's life, start to drained exit, with a message per step.
test("the image answers the README's curl, is healthy, runs unprivileged, and drains on SIGTERM", { skip: reason || noImage }, async () => {
  const tag = image();
  const port = await freePort();
  const admin = await freePort();
  const run = podman(["run", "-d", "--name", name, "--network", "host",
    "-e", `TOLLGATE_LISTEN=127.0.0.1:${port}`, "-e", `TOLLGATE_ADMIN=127.0.0.1:${admin}`,
    "-e", `TOLLGATE_HEALTH_PORT=${admin}`, tag]);
  assert.equal(run.status, 0, run.stderr);
  let health = null;
  for (let i = 0; i < 200 && health?.status !== 200; i++) {
    health = await curl([`http://127.0.0.1:${admin}/healthz`]).catch(() => null);
    if (health?.status !== 200) await sleep(50);
  }
  assert.equal(health?.status, 200, podman(["logs", name]).stderr);

  // The README's curl, through the container.
  const r = await curl(["-s", `localhost:${port}/v1/chat/completions`, "-H", "authorization: Bearer tg-demo-key",
    "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content: "hi" }] })]);
  assert.equal(r.status, 200, r.body);
  assert.ok(JSON.parse(r.body).choices[0].message.content.length > 0);

  const check = podman(["healthcheck", "run", name]);
  assert.equal(check.status, 0, `HEALTHCHECK failed: ${check.stdout}${check.stderr}`);
  assert.equal(podman(["exec", name, "id", "-u"]).stdout.trim(), "10001");

  // podman stop sends the image's STOPSIGNAL (SIGTERM); 45 s is what the docs give it.
  const stop = podman(["stop", "-t", "45", name], 60000);
  assert.equal(stop.status, 0, stop.stderr);
  const state = podman(["inspect", name, "--format", "{{.State.ExitCode}}"]);
  const logs = podman(["logs", name]);
  assert.equal(state.stdout.trim(), "0", logs.stderr);
  assert.match(logs.stderr + logs.stdout, /received SIGTERM: draining/);
});
