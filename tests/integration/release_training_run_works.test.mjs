// `make release` trains the profile-guided build with loadtest/pgo/train.sh: an
// instrumented gateway on loadtest/pgo/training.yaml serves the load generator's mixes,
// then stops on SIGTERM. CI does not build the release (two more compiles), so the
// training run is checked here with the plain gateway: a config key renamed, a loadgen
// flag changed or a gateway that no longer exits cleanly would otherwise break `make
// release` unseen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { MOCK_BIN, TOLLGATE_BIN } from "./lib/harness.mjs";

const root = process.env.TOLLGATE_SOURCE_DIR ?? process.cwd();
const LOADGEN = process.env.LOADGEN_BIN ?? path.join(path.dirname(TOLLGATE_BIN), "loadgen");

test("the release build's training run serves every mix and stops cleanly", { skip: process.env.TOLLGATE_SANITIZED ? "a script check: the release build's run covers it" : false }, () => {
  const run = spawnSync(path.join(root, "loadtest", "pgo", "train.sh"), [TOLLGATE_BIN, MOCK_BIN, LOADGEN], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `train.sh failed (${run.status} ${run.signal}):\n${run.stdout}\n${run.stderr}`);
  const mixes = [...run.stdout.matchAll(/requests\s+(\d+), ok (\d+)/g)].map((m) => ({ requests: Number(m[1]), ok: Number(m[2]) }));
  // Seven mixes: closed and open loop, pii, long prompts, streams, repeats, mixed. The pii
  // and mixed ones carry card numbers, which the training config refuses (400); every other
  // request is answered.
  const names = ["no-store", "2,000 req/s", "pii", "long-chat", "stream", "repeat", "mixed"];
  assert.equal(mixes.length, names.length, run.stdout);
  mixes.forEach((mix, i) => {
    assert.ok(mix.ok > 0, `${names[i]}: no answer\n${run.stdout}`);
    if (names[i] !== "pii" && names[i] !== "mixed") assert.equal(mix.ok, mix.requests, `${names[i]}: refusals\n${run.stdout}`);
  });
});
