/**
 * Finds the CPython interpreters installed on this machine, for tests that
 * run real Python processes: pyenv's versions and the system's
 * `/usr/bin/python3.X`. Reports what it found and what it skipped.
 *
 * @module
 */

/** One interpreter found on the machine. */
export interface Interpreter {
  /** e.g. `pyenv 3.11.7` or `system 3.11`. */
  label: string;
  /** Absolute path of the executable. */
  path: string;
  major: number;
  minor: number;
}

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

/** True for versions at or above major.minor. */
export function atLeast(i: Interpreter, major: number, minor: number): boolean {
  return i.major > major || (i.major === major && i.minor >= minor);
}
