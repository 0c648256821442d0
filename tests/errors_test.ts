/**
 * Exit codes and messages of failed runs (spec: austin-behaviour.md,
 * sections 3.5 and 10), each produced for real.
 */

import assert from "node:assert/strict";
import { austin, MAIN, samples, sleep, startTarget, TARGETS } from "./austin.ts";
import { interpreters } from "./interpreters.ts";

const PYTHON = interpreters("errors", (i) => i.major === 3)[0] ??
  interpreters("errors")[0];

const TRY = "Try `austin --help' or `austin --usage' for more information.\n";

Deno.test("no arguments: usage on stdout, exit 0, nothing on stderr", async () => {
  const run = await austin([]);
  assert.equal(run.code, 0);
  assert.ok(run.stdout.startsWith("Usage: austin "));
  assert.equal(run.stderr, "");
});

Deno.test("bad option values: exit 64 with the two-line message", async () => {
  const cases: Array<[string[], string]> = [
    [["-i", "abc", "python3"], "austin: the sampling interval must be a positive integer\n"],
    [["-i", "5m", "python3"], "austin: the sampling interval must be a positive integer\n"],
    [["-t", "-1", "python3"], "austin: timeout must be a positive integer\n"],
    [["-x", "1s", "python3"], "austin: the exposure must be a positive integer\n"],
    [["-p", "0"], "austin: invalid PID\n"],
    [["-p", "12", "python3"], "austin: the -p option is incompatible with the command argument\n"],
  ];
  for (const [args, message] of cases) {
    const run = await austin(args);
    assert.equal(run.code, 64, args.join(" "));
    assert.equal(run.stderr, message + TRY, args.join(" "));
    assert.equal(run.stdout, "");
  }
});

Deno.test("-o that cannot be created: message on stdout, exit 255", async () => {
  const run = await austin(["-o", "/nonexistent/dir/out.txt", "python3", "-c", "pass"]);
  assert.equal(run.code, 255);
  assert.equal(run.stdout, "Unable to create the given output file\n");
});

Deno.test("no command and no PID: exit 255", async () => {
  const run = await austin(["-i", "1ms"]);
  assert.equal(run.code, 255);
  assert.ok(run.stderr.endsWith("\n👓 I need either a command to run or a PID to attach to.\n"));
});

Deno.test("command that cannot be run: exit 33", async () => {
  const run = await austin(["snafubar"]);
  assert.equal(run.code, 33);
  assert.ok(
    run.stderr.endsWith("\n❌ Cannot launch the given command or it terminated too quickly.\n"),
  );
});

Deno.test("command that exits at once: exit 33", async () => {
  const run = await austin(["true"]);
  assert.equal(run.code, 33);
  assert.ok(run.stderr.includes("Cannot launch"));
});

Deno.test("launched command that is not Python: exit 32 after -t", async () => {
  const started = Date.now();
  const run = await austin(["-t", "300", "bash", "-c", "sleep 3"]);
  assert.equal(run.code, 32);
  assert.ok(
    run.stderr.includes(
      "👾 It looks like you are trying to profile a process that is not a Python\nprocess.",
    ),
  );
  // The child was sent SIGTERM when the search gave up.
  assert.ok(Date.now() - started < 2500, "the non-Python child was not stopped");
});

Deno.test("-p of a process that does not exist: exit 36", async () => {
  const run = await austin(["-p", "9999999"]);
  assert.equal(run.code, 36);
  assert.ok(run.stderr.includes("🛑 Cannot attach to the given process."));
});

Deno.test("-p of a process that is not Python: exit 32", async () => {
  const sleeper = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    const run = await austin(["-t", "200", "-p", String(sleeper.pid)]);
    assert.equal(run.code, 32);
    assert.ok(run.stderr.includes("not a Python"));
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
  }
});

Deno.test("-p of a Python process we may not read: exit 37", async (t) => {
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (Deno.uid() !== 0 || setpriv === undefined) {
    console.log("SKIP exit 37: needs root and setpriv to run austin-deno as another user");
    return;
  }
  const target = startTarget(PYTHON.path, `${TARGETS}sleepy.py`, ["5"]);
  const home = await Deno.makeTempDir();
  await Deno.chmod(home, 0o777);
  try {
    await sleep(300);
    // austin-deno as user nobody: the root-owned target's maps are closed to it.
    const out = await new Deno.Command(setpriv, {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "env",
        `DENO_DIR=${home}`,
        `HOME=${home}`,
        Deno.execPath(),
        "run",
        "-A",
        MAIN,
        "-t",
        "200",
        "-p",
        String(target.pid),
      ],
      env: { AUSTIN_NO_LOGGING: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    await t.step("exit code and message", () => {
      assert.equal(out.code, 37, stderr);
      assert.ok(stderr.includes("🔒 Insufficient permissions."), stderr);
    });
  } finally {
    target.kill("SIGKILL");
    await target.status;
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("launched command exiting non-zero: its status is austin's", async () => {
  const run = await austin([
    "-i",
    "1ms",
    PYTHON.path,
    "-c",
    "import time, sys\nt = time.time()\nwhile time.time() - t < 0.5: pass\nsys.exit(3)",
  ]);
  assert.equal(run.code, 3, run.stderr);
  assert.ok(samples(run.stdout).length > 0);
  assert.ok(run.stdout.includes("\n# duration: "));
});

Deno.test("Python symbols but no version: exit 3", async () => {
  const cc = ["/usr/bin/cc", "/usr/bin/gcc"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (cc === undefined) {
    console.log("SKIP exit 3: no C compiler to build a binary that looks like Python");
    return;
  }
  // A program that exports _PyRuntime (as an embedding application like uWSGI
  // would) but carries no Python version anywhere.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/app.c`,
      "#include <unistd.h>\nchar _PyRuntime[4096];\nint main(void) { sleep(5); return _PyRuntime[0]; }\n",
    );
    const built = await new Deno.Command(cc, {
      args: ["-rdynamic", "-o", `${dir}/app`, `${dir}/app.c`],
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    const run = await austin(["-t", "200", `${dir}/app`]);
    assert.equal(run.code, 3, run.stderr);
    assert.ok(run.stderr.includes("🔢 Cannot determine the version of the Python interpreter."));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
