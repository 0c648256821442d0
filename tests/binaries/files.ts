/**
 * The real Mach-O and PE files the binary readers' tests read: where
 * tests/binaries/fetch.sh caches them, the fetch itself (run once when a file
 * is missing, so that a fresh clone's `deno test -A` gets them), and a way to
 * register a test that needs one of them, or an ignored test, with a printed
 * line, when it could not be fetched.
 *
 * @module
 */

/** The cache folder fetch.sh fills. */
export const CACHE = new URL("./cache/", import.meta.url).pathname;
const FETCH = new URL("./fetch.sh", import.meta.url).pathname;

/** The cached files, by role (paths under {@link CACHE}, pinned versions). */
export const FILES = {
  /** npm @esbuild/darwin-x64@0.25.0: a thin x86_64 MH_EXECUTE (Go, no defined symbols). */
  esbuildX64: "esbuild-darwin-x64-0.25.0/esbuild",
  /** npm @esbuild/darwin-arm64@0.25.0: a thin arm64 MH_EXECUTE (Go, no defined symbols). */
  esbuildArm64: "esbuild-darwin-arm64-0.25.0/esbuild",
  /** npm @parcel/watcher-darwin-x64@2.5.1: a thin x86_64 MH_BUNDLE with symbols. */
  watcherX64: "parcel-watcher-darwin-x64-2.5.1/watcher.node",
  /** npm @img/sharp-libvips-darwin-arm64@1.0.4: a thin arm64 MH_DYLIB with data symbols. */
  libvipsArm64: "sharp-libvips-darwin-arm64-1.0.4/libvips-cpp.42.dylib",
  /** npm fsevents@2.3.3: a fat (x86_64 + arm64) MH_BUNDLE. */
  fsevents: "fsevents-2.3.3/fsevents.node",
  /** npm @esbuild/win32-x64@0.25.0: a PE32+ EXE. */
  esbuildExe: "esbuild-win32-x64-0.25.0/esbuild.exe",
  /** Debian bookworm libwine 8.0~repack-4: Wine's PE32+ ntdll.dll. */
  ntdll: "libwine-8.0-repack-4/ntdll.dll",
  /** Debian bookworm libwine 8.0~repack-4: Wine's PE32+ kernel32.dll. */
  kernel32: "libwine-8.0-repack-4/kernel32.dll",
} as const;

/** One of the cached files. */
export type CachedFile = keyof typeof FILES;

/** True if `path` is a file. */
function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

let fetched: Promise<void> | undefined;

/** Runs fetch.sh once when a file is missing (its output goes to the test log). */
export function fetchMissing(): Promise<void> {
  fetched ??= (async () => {
    if (Object.values(FILES).every((file) => isFile(CACHE + file))) return;
    console.log(`fetching the Mach-O and PE test files: bash ${FETCH}`);
    try {
      const { code, stdout, stderr } = await new Deno.Command("timeout", {
        args: ["600", "bash", FETCH],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      const out = (decoder.decode(stdout) + decoder.decode(stderr)).trim();
      if (out) console.log(out);
      if (code !== 0) console.log(`fetch.sh exited with ${code}`);
    } catch (e) {
      console.log(`fetch.sh could not be run: ${e instanceof Error ? e.message : e}`);
    }
  })();
  return fetched;
}

/** The path of a cached file, or undefined if it is not in the cache. */
export function cached(file: CachedFile): string | undefined {
  const path = CACHE + FILES[file];
  return isFile(path) ? path : undefined;
}

/**
 * Registers a test needing the cached files `files`, or, when one is missing, an ignored test
 * whose name and printed line say what was skipped.
 */
export function testWith(
  name: string,
  files: readonly CachedFile[],
  fn: (...paths: string[]) => void | Promise<void>,
) {
  const missing = files.filter((file) => cached(file) === undefined);
  const reason = missing.length > 0
    ? `not in tests/binaries/cache (fetch.sh failed?): ${missing.map((f) => FILES[f]).join(", ")}`
    : undefined;
  if (reason) console.log(`SKIP ${name}: ${reason}`);
  Deno.test({
    name: reason ? `${name} [skipped: ${reason}]` : name,
    ignore: reason !== undefined,
    fn: () => fn(...files.map((file) => cached(file)!)),
  });
}
