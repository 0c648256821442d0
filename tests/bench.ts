/**
 * `deno task bench`: measures austin-deno on a CPU-bound target with a
 * 20-frame stack. Prints, per interval setting, the samples taken, the
 * achieved rate, the sampler's CPU time per sample (user + system, from
 * /proc/PID/stat), the invalid share and the sampler's peak RSS.
 *
 * Options: `--python PATH` (default: python3 on PATH), `--seconds N` (default 3).
 *
 * @module
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const TARGET = new URL("./targets/deep.py", import.meta.url).pathname;
const TICKS = 100; // USER_HZ

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(name);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1] : fallback;
}

/** utime + stime in seconds, and VmHWM in KiB, of a live process. */
function usage(pid: number): { cpu: number; hwm: number } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpu, hwm };
  } catch {
    return null;
  }
}

interface Result {
  label: string;
  samples: number;
  seconds: number;
  cpu: number;
  invalid: number;
  hwmKiB: number;
  bytes: number;
}

async function measure(label: string, args: string[], python: string, seconds: number) {
  const out = await Deno.makeTempFile({ suffix: ".austin" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args, "-x", String(seconds), "-o", out, python, TARGET, "60"],
    stdout: "null",
    stderr: "null",
    env: { AUSTIN_NO_LOGGING: "1" },
  }).spawn();
  let last = { cpu: 0, hwm: 0 };
  const poll = setInterval(() => {
    last = usage(child.pid) ?? last;
  }, 50);
  await child.status;
  clearInterval(poll);
  const text = await Deno.readTextFile(out);
  await Deno.remove(out);
  const lines = text.split("\n").filter((l) => l.startsWith("P"));
  const duration = Number(/# duration: (\d+)/.exec(text)?.[1] ?? 0) / 1e6;
  return {
    label,
    samples: lines.length,
    seconds: duration,
    cpu: last.cpu,
    invalid: lines.filter((l) => l.includes(":INVALID:")).length,
    hwmKiB: last.hwm,
    bytes: text.length,
  } satisfies Result;
}

const python = option("--python", "python3");
const seconds = Number(option("--seconds", "3"));
console.log(`austin-deno benchmark: ${python}, ${TARGET} (20 frames), ${seconds} s per run`);
const rows: Result[] = [];
rows.push(await measure("-i 0", ["-i", "0"], python, seconds));
rows.push(await measure("-i 100us", ["-i", "100"], python, seconds));
console.log(
  "| run | samples | samples/s | CPU µs/sample | sampler CPU-s per s | invalid | peak RSS | bytes/sample |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const rate = r.samples / r.seconds;
  console.log(
    `| ${r.label} | ${r.samples} | ${rate.toFixed(0)} | ${(r.cpu * 1e6 / r.samples).toFixed(1)} | ${
      (r.cpu / r.seconds).toFixed(2)
    } | ${(100 * r.invalid / Math.max(1, r.samples)).toFixed(3)} % | ${
      (r.hwmKiB / 1024).toFixed(1)
    } MiB | ${(r.bytes / Math.max(1, r.samples)).toFixed(0)} |`,
  );
}
