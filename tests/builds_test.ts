/**
 * Harder builds and environments: stripped libraries and executables, a
 * virtualenv made with --copies whose files are deleted while the target
 * runs, and a target in its own PID namespace. Each is built here (objcopy,
 * venv, unshare) and profiled with the same stack and line checks as the
 * plain builds. What cannot be built on this machine is reported as skipped.
 */

import assert from "node:assert/strict";
import { austin, markers, metadata, samples, sleep, stackOf, TARGETS } from "./austin.ts";
import {
  atLeast,
  commandFor,
  executableFile,
  type Interpreter,
  interpreters,
} from "./interpreters.ts";

const NESTED = `${TARGETS}nested.py`;
const M = markers(NESTED);

function which(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

const OBJCOPY = which("objcopy");
const UNSHARE = which("unshare");

/**
 * The libpython an interpreter loads (pyenv's, or sid's for its `-shared`
 * launchers), as this process sees it, or null for a static build.
 */
function libpythonOf(py: Interpreter): string | null {
  if (py.root !== undefined) {
    if (!py.root.exe.endsWith("-shared")) return null;
    return `${py.root.dir}/usr/lib/x86_64-linux-gnu/libpython${py.major}.${py.minor}.so.1.0`;
  }
  const lib = py.path.replace(/\/bin\/[^/]+$/, "/lib");
  try {
    for (const entry of Deno.readDirSync(lib)) {
      if (/^libpython\d\.\d+m?\.so\.1\.0$/.test(entry.name)) return `${lib}/${entry.name}`;
    }
  } catch {
    // no lib folder
  }
  return null;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

/** The expected nested.py stack for a file path, without the leaf's line. */
function nestedStack(file: string): string {
  return `${file}:<module>:${M.get("module")};${file}:main:${M.get("main")};${file}:top:${
    M.get("top")
  };${file}:middle:${M.get("middle")};${file}:leaf:`;
}

/** Checks a nested.py profile: the full stack with its lines, one thread. */
function checkNested(stdout: string, file: string): void {
  const lines = samples(stdout);
  const leaf = new Set([M.get("leaf-loop"), M.get("leaf-body")].map(String));
  const base = nestedStack(file);
  const full = lines.filter((l) => {
    const s = stackOf(l);
    const at = s.indexOf(base);
    return at >= 0 && leaf.has(s.slice(at + base.length));
  });
  assert.ok(full.length > lines.length / 3, `${full.length} of ${lines.length} full stacks`);
}

const SHARED = interpreters("builds (shared libpython)", (i) => libpythonOf(i) !== null);
const STATIC = interpreters("builds (static)", (i) => libpythonOf(i) === null);

for (const py of SHARED) {
  Deno.test(`stripped libpython (.dynsym only) [${py.label}]`, async () => {
    if (OBJCOPY === null) {
      console.log("SKIP stripped libpython: objcopy is not installed");
      return;
    }
    const lib = libpythonOf(py) as string;
    const dir = await Deno.makeTempDir();
    try {
      const copy = `${dir}/${lib.slice(lib.lastIndexOf("/") + 1)}`;
      await run(OBJCOPY, ["--strip-all", lib, copy]);
      const sections = await run("readelf", ["-S", copy]);
      assert.ok(!sections.includes(".symtab"), "the copy still has .symtab");
      // The pyenv executable's RUNPATH comes after LD_LIBRARY_PATH.
      const result = await austin(["-i", "1ms", "-t", "3000", py.path, NESTED, "1"], {
        LD_LIBRARY_PATH: dir,
      });
      assert.equal(result.code, 0, result.stderr);
      const maps = result.stderr;
      assert.match(maps, /Python version: \d+\.\d+\.\d+/);
      const version = (/Python (\d+\.\d+\.\d+)/.exec(
        await run(py.path, ["-c", "import sys; print('Python ' + sys.version.split()[0])"]),
      ) as RegExpExecArray)[1];
      assert.ok(result.stderr.includes(`Python version: ${version}`), result.stderr);
      checkNested(result.stdout, NESTED);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const py of STATIC) {
  Deno.test(`stripped static executable [${py.label}]`, async () => {
    if (OBJCOPY === null) {
      console.log("SKIP stripped executable: objcopy is not installed");
      return;
    }
    const dir = await Deno.makeTempDir();
    try {
      const copy = `${dir}/python${py.major}.${py.minor}`;
      await run(OBJCOPY, ["--strip-all", executableFile(py), copy]);
      const prefix = (await run(py.path, ["-c", "import sys; print(sys.prefix)"])).trim();
      const result = await austin(["-i", "1ms", ...commandFor(py, copy), NESTED, "1"], {
        PYTHONHOME: prefix,
      });
      assert.equal(result.code, 0, result.stderr);
      checkNested(result.stdout, NESTED);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

const VENV = interpreters(
  "builds (venv --copies, deleted)",
  (i) => atLeast(i, 3, 3) && libpythonOf(i) !== null,
);

for (const py of VENV) {
  Deno.test(`venv --copies deleted before attaching, in a PID namespace [${py.label}]`, async () => {
    const dir = await Deno.makeTempDir();
    let target: Deno.ChildProcess | null = null;
    try {
      const venv = `${dir}/venv`;
      await run(py.path, ["-m", "venv", "--copies", "--without-pip", venv]);
      const lib = libpythonOf(py) as string;
      await Deno.mkdir(`${venv}/lib`, { recursive: true });
      await Deno.copyFile(lib, `${venv}/lib/${lib.slice(lib.lastIndexOf("/") + 1)}`);
      const script = `${dir}/nested.py`;
      await Deno.copyFile(NESTED, script);
      const python = `${venv}/bin/python`;
      const args = [script, "4"];
      const env = { LD_LIBRARY_PATH: `${venv}/lib` };
      const inNamespace = UNSHARE !== null && Deno.uid() === 0;
      if (!inNamespace) console.log("SKIP PID namespace: needs root and unshare");
      const command = [...commandFor(py, python), ...args];
      target = new Deno.Command(inNamespace ? UNSHARE as string : command[0], {
        args: inNamespace ? ["--pid", "--fork", ...command] : command.slice(1),
        env,
        stdout: "null",
        stderr: "null",
      }).spawn();
      // Find the Python process (the child of unshare when namespaced).
      let pid = target.pid;
      for (let i = 0; i < 50 && inNamespace; i++) {
        await sleep(40);
        try {
          const children = Deno.readTextFileSync(`/proc/${target.pid}/task/${target.pid}/children`)
            .trim();
          if (children !== "") {
            pid = Number(children.split(" ")[0]);
            break;
          }
        } catch {
          // not yet
        }
      }
      await sleep(600);
      // Delete everything the target was started from.
      await Deno.remove(venv, { recursive: true });
      await Deno.remove(script);
      const exe = Deno.readLinkSync(`/proc/${pid}/exe`);
      assert.ok(exe.endsWith(" (deleted)"), exe);
      const result = await austin(["-i", "1ms", "-x", "1", "-C", "-p", String(pid)]);
      assert.equal(result.code, 0, result.stderr);
      const lines = samples(result.stdout);
      assert.ok(lines.every((l) => l.startsWith(`P${pid};`)), lines[0]);
      assert.equal(new Set(lines.map((l) => stackOf(l).split(";")[1])).size, 1);
      checkNested(result.stdout, script);
      const duration = Number(metadata(result.stdout).get("duration"));
      const sum = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
      assert.ok(Math.abs(sum - duration) <= 0.25 * (sum + duration), `${sum} vs ${duration}`);
    } finally {
      target?.kill("SIGKILL");
      await target?.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  });
}
