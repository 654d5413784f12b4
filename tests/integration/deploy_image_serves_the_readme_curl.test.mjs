// The container image (deploy/Dockerfile) as a user runs it: it answers the README's
// curl, its HEALTHCHECK passes, it runs as uid 10001, and SIGTERM (podman stop) drains
// and exits 0. CI does not build the image (longer than the rest of the suite): name a
// built one in TOLLGATE_IMAGE (`podman build -f deploy/Dockerfile -t tollgate .`), and
// TOLLGATE_OCI_RUNTIME for a runtime other than podman's default. Skips with the reason
// when there is no image, no podman, or a machine that cannot start a container.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { curl, freePort, sleep } from "./lib/harness.mjs";

const image = process.env.TOLLGATE_IMAGE;
const runtime = process.env.TOLLGATE_OCI_RUNTIME ? ["--runtime", process.env.TOLLGATE_OCI_RUNTIME] : [];
const name = `tollgate-image-test-${process.pid}`;

function podman(args, timeout = 120000) {
  return spawnSync("podman", [...runtime, ...args], { encoding: "utf8", timeout });
}

function whyNot() {
  if (!image) return "TOLLGATE_IMAGE is not set: build the image (podman build -f deploy/Dockerfile -t tollgate .) and name it there";
  if (spawnSync("sh", ["-c", "command -v podman"]).status !== 0) return "podman is not installed";
  const probe = podman(["run", "--rm", "--network", "host", image, "--version"]);
  if (probe.status !== 0) return `podman cannot start a container here: ${(probe.stderr || probe.error?.message || "").trim().split("\n").at(-1)}`;
  return false;
}
const skip = whyNot();
if (skip) console.log(`# deploy image test skipped: ${skip}`);

after(() => {
  if (!skip) podman(["rm", "-f", name]);
});

test("the image answers the README's curl, is healthy, runs unprivileged, and drains on SIGTERM", { skip }, async () => {
  const port = await freePort();
  const admin = await freePort();
  const run = podman(["run", "-d", "--name", name, "--network", "host",
    "-e", `TOLLGATE_LISTEN=127.0.0.1:${port}`, "-e", `TOLLGATE_ADMIN=127.0.0.1:${admin}`,
    "-e", `TOLLGATE_HEALTH_PORT=${admin}`, image]);
  assert.equal(run.status, 0, run.stderr);
  let health = null;
  for (let i = 0; i < 200 && health?.status !== 200; i++) {
    health = await curl([`http://127.0.0.1:${admin}/healthz`]).catch(() => null);
    if (health?.status !== 200) await sleep(50);
  }
  assert.equal(health?.status, 200, podman(["logs", name]).stderr);

  const r = await curl(["-s", `http://127.0.0.1:${port}/v1/chat/completions`, "-H", "authorization: Bearer tg-demo-key",
    "-d", JSON.stringify({ model: "demo", messages: [{ role: "user", content: "hi" }] })]);
  assert.equal(r.status, 200, r.body);
  assert.ok(JSON.parse(r.body).choices[0].message.content.length > 0);

  const check = podman(["healthcheck", "run", name]);
  assert.equal(check.status, 0, `HEALTHCHECK failed: ${check.stdout}${check.stderr}`);
  assert.equal(podman(["exec", name, "id", "-u"]).stdout.trim(), "10001");

  const stop = podman(["stop", "-t", "45", name], 60000);
  assert.equal(stop.status, 0, stop.stderr);
  const state = podman(["inspect", name, "--format", "{{.State.ExitCode}}"]);
  assert.equal(state.stdout.trim(), "0", podman(["logs", name]).stderr);
  assert.match(podman(["logs", name]).stderr + podman(["logs", name]).stdout, /received SIGTERM: draining/);
});
