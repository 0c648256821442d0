/**
 * Every back-end loads and exposes the whole {@link Platform} interface on
 * any OS, without calling the OS (their system libraries open on first use).
 */

import assert from "node:assert/strict";
import { type BackendOs, currentPlatform, type Platform, platformFor } from "./mod.ts";

/** Every member of Platform: the type makes this list complete. */
const MEMBERS: Record<keyof Platform, "function" | "object"> = {
  openMemory: "function",
  processState: "function",
  execToken: "function",
  memoryMaps: "function",
  executable: "function",
  mappedFileCandidates: "function",
  listProcesses: "function",
  namespacePid: "function",
  threadIds: "function",
  threadIdle: "function",
  residentBytes: "function",
  physicalMemoryKiB: "function",
  spawn: "function",
  clock: "object",
  isTerminal: "function",
  connectDatagram: "function",
};

const OSES: BackendOs[] = ["linux", "darwin", "windows"];

for (const os of OSES) {
  Deno.test(`platforms: the ${os} back-end loads and has every Platform member`, () => {
    const platform = platformFor(os);
    assert.ok(platform !== null);
    for (const [name, kind] of Object.entries(MEMBERS)) {
      assert.equal(typeof (platform as unknown as Record<string, unknown>)[name], kind, name);
    }
    const clock = platform.clock as unknown as Record<string, unknown>;
    assert.equal(typeof clock.nowUs, "function");
    assert.equal(typeof clock.sleepUntilUs, "function");
  });
}

Deno.test("platforms: no back-end for another OS; this OS's is the current one", () => {
  assert.equal(platformFor("plan9"), null);
  if (Deno.build.os === "linux") {
    assert.equal(currentPlatform().constructor, platformFor("linux")?.constructor);
  }
});
