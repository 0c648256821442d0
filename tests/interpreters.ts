/**
 * Finds the CPython interpreters installed on this machine, for tests that
 * run real Python processes: pyenv's versions, the system's
 * `/usr/bin/python3.X`, and Debian sid's 3.14 and 3.15 that
 * `tests/pythons/debian.sh` unpacks into a root folder of their own.
 * Reports what it found and what it skipped.
 *
 * @module
 */

/** One interpreter found on the machine. */
export interface Interpreter {
  /** e.g. `pyenv 3.11.7`, `system 3.11` or `sid 3.15 debug`. */
  label: string;
  /**
   * Absolute path of the executable to run. For an interpreter in a root
   * folder of its own, a launcher that runs it there (see {@link root}).
   */
  path: string;
  major: number;
  minor: number;
  /**
   * For Debian sid's interpreters: the root folder they run in (through
   * `tests/pythons/chroot-python.sh`, with the host's `/tmp` and working
   * directory bound inside it) and the executable's path inside it.
   */
  root?: { dir: string; exe: string };
}

/** Where `tests/pythons/debian.sh` puts its launchers and its root folder. */
const SID_CACHE = new URL("./pythons/cache/", import.meta.url).pathname;

/**
 * The sid builds the tests run: each version's release build, its `Py_DEBUG`
 * build, one `-nopie` build and the launchers that load libpython3.X.so.
 */
const SID_BUILDS: ReadonlyArray<[exe: string, label: string]> = [
  ["python3.14", "sid 3.14"],
  ["python3.14-dbg", "sid 3.14 debug"],
  ["python3.14-nopie", "sid 3.14 nopie"],
  ["python3.14-shared", "sid 3.14 shared"],
  ["python3.15", "sid 3.15"],
  ["python3.15-dbg", "sid 3.15 debug"],
  ["python3.15-shared", "sid 3.15 shared"],
];

function versionOf(path: string): [number, number] | null {
  const m = /python(\d)\.(\d+)$/.exec(path);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

function pyenvRoot(): string {
  return Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME") ?? "/root"}/.pyenv`;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

let found: Interpreter[] | null = null;

/** Every interpreter found: pyenv versions first, then the system's. */
export function allInterpreters(): Interpreter[] {
  if (found !== null) return found;
  const list: Interpreter[] = [];
  const versions = `${pyenvRoot()}/versions`;
  try {
    // Numeric version order: 2.7, 3.6, ..., 3.10, 3.11, ...
    const key = (name: string) => name.split(".").map((n) => n.padStart(4, "0")).join(".");
    const names = [...Deno.readDirSync(versions)].map((e) => e.name)
      .sort((a, b) => key(a) < key(b) ? -1 : 1);
    for (const name of names) {
      const m = /^(\d)\.(\d+)\.\d+$/.exec(name);
      if (m === null) continue;
      const path = `${versions}/${name}/bin/python${m[1]}.${m[2]}`;
      if (isExecutable(path)) {
        list.push({ label: `pyenv ${name}`, path, major: Number(m[1]), minor: Number(m[2]) });
      }
    }
  } catch {
    // no pyenv
  }
  try {
    const names = [...Deno.readDirSync("/usr/bin")].map((e) => e.name).sort();
    for (const name of names) {
      const path = `/usr/bin/${name}`;
      const v = versionOf(name);
      if (v === null || !isExecutable(path)) continue;
      list.push({ label: `system ${v[0]}.${v[1]}`, path, major: v[0], minor: v[1] });
    }
  } catch {
    // no /usr/bin
  }
  const missing: string[] = [];
  for (const [exe, label] of SID_BUILDS) {
    const path = `${SID_CACHE}bin/${exe}`;
    const v = /python(\d)\.(\d+)/.exec(exe) as RegExpExecArray;
    if (!isExecutable(path) || Deno.uid() !== 0) {
      missing.push(label);
      continue;
    }
    const root = { dir: `${SID_CACHE}sid`, exe: `/usr/bin/${exe}` };
    list.push({ label, path, major: Number(v[1]), minor: Number(v[2]), root });
  }
  if (missing.length > 0) {
    console.log(
      `[interpreters] skipped ${missing.join(", ")}: ` +
        (Deno.uid() !== 0
          ? "running them in their root folder needs root"
          : "not fetched (tests/pythons/debian.sh fetches them)"),
    );
  }
  found = list;
  return list;
}

const reported = new Set<string>();

/**
 * The interpreters a test can use, optionally limited to a version range.
 * Logs which ones were skipped and why; throws if none is installed at all.
 */
export function interpreters(
  what: string,
  accept: (i: Interpreter) => boolean = () => true,
): Interpreter[] {
  const all = allInterpreters();
  if (all.length === 0) throw new Error("no Python interpreter found on this machine");
  const chosen = all.filter(accept);
  const key = `${what}|${chosen.map((i) => i.label).join(",")}`;
  if (!reported.has(key)) {
    reported.add(key);
    const skipped = all.filter((i) => !chosen.includes(i)).map((i) => i.label);
    console.log(
      `[${what}] running on: ${chosen.map((i) => i.label).join(", ") || "none"}` +
        (skipped.length > 0 ? `; skipped (not applicable): ${skipped.join(", ")}` : ""),
    );
  }
  return chosen;
}

/**
 * The release builds of the newest minor versions found (sid's 3.14 and
 * 3.15 when fetched), which the tests that run one or two versions add.
 */
export function newestReleases(): Interpreter[] {
  const sid = allInterpreters().filter((i) => /^sid 3\.\d+$/.test(i.label));
  return sid.length > 0 ? sid : allInterpreters().slice(-1);
}

/** `tests/pythons/chroot-python.sh`, which runs an executable inside a root folder. */
export const CHROOT_PYTHON = new URL("./pythons/chroot-python.sh", import.meta.url).pathname;

/** The interpreter's executable file as this process sees it (inside its root, if any). */
export function executableFile(i: Interpreter): string {
  return i.root === undefined ? i.path : i.root.dir + i.root.exe;
}

/**
 * The command that runs `exe` the way `i` runs: as it is, or inside `i`'s
 * root folder, where `exe` is a path inside the root (the host's `/tmp` is
 * bound at the same path there, so a copy made in a temporary folder works).
 */
export function commandFor(i: Interpreter, exe: string): string[] {
  return i.root === undefined ? [exe] : [CHROOT_PYTHON, i.root.dir, exe];
}

/** True for versions at or above major.minor. */
export function atLeast(i: Interpreter, major: number, minor: number): boolean {
  return i.major > major || (i.major === major && i.minor >= minor);
}
