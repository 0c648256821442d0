/**
 * The modes that the other end-to-end tests run on newer versions only,
 * on the versions Austin 3.7 does not support (2.7, 3.6, 3.7): `-s` and `-C`.
 */

import assert from "node:assert/strict";
import { austin, samples, stackOf, TARGETS } from "./austin.ts";
import { interpreters } from "./interpreters.ts";

const LEGACY = interpreters(
  "legacy versions",
  (i) => i.major === 2 || (i.major === 3 && i.minor <= 7),
);

for (const py of LEGACY) {
  Deno.test(`-s drops the idle threads [${py.label}]`, async () => {
    const run = await austin(["-s", "-i", "1ms", py.path, `${TARGETS}threads.py`, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const stacks = samples(run.stdout).map(stackOf);
    assert.ok(stacks.some((s) => s.includes(":busy:")), "no busy samples");
    // Awake only to start and to end its sleep (longer on a loaded machine):
    // without -s it would have a third of the samples.
    const asleep = stacks.filter((s) => s.includes(":sleeper:")).length;
    assert.ok(
      asleep <= Math.max(2, stacks.length / 50),
      `sleeper in ${asleep} of ${stacks.length}`,
    );
  });

  Deno.test(`-C samples a Python child [${py.label}]`, async () => {
    const run = await austin(["-C", "-i", "1ms", py.path, `${TARGETS}spawn_child.py`, "1"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = samples(run.stdout);
    const pids = new Set(lines.map((l) => l.slice(0, l.indexOf(";"))));
    assert.equal(pids.size, 2, [...pids].join(" "));
    assert.ok(lines.some((l) => stackOf(l).includes(":leaf:")), "the child's leaf");
  });
}
