/**
 * Picture outputs end to end: `--format=speedscope|pprof|flamegraph|html`
 * on a real target, and the converters turning recorded text and MOJO
 * files into the same pictures (same stacks and threads) as direct output.
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import * as pprof from "pprof-format";
import { austin, TARGETS } from "./austin.ts";
import { atLeast, interpreters } from "./interpreters.ts";

const NESTED = `${TARGETS}nested.py`;
const PY3 = interpreters("pictures", (i) => i.major === 3);
/** A frame-object version and the newest: both ways the walker reads stacks. */
const PYTHONS = [PY3.find((i) => i.minor === 8), PY3.filter((i) => atLeast(i, 3, 11)).pop()]
  .filter((i) => i !== undefined);

const decoder = new TextDecoder();

/** Runs a converter entry module. */
async function convert(tool: string, input: string, output: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../lib/cli/${tool}.ts`, import.meta.url).pathname, input, output],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, decoder.decode(out.stderr));
}

interface Speedscope {
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: { name: string; samples: number[][]; weights: number[] }[];
}

/** The stacks of a speedscope file as `name:line;...` strings, thread names without pids. */
function speedscopeStacks(text: string): Set<string> {
  const file = JSON.parse(text) as Speedscope;
  const stacks = new Set<string>();
  for (const p of file.profiles) {
    for (const s of p.samples) {
      stacks.add(
        s.map((i) => `${file.shared.frames[i].name}:${file.shared.frames[i].line}`).join(";"),
      );
    }
  }
  return stacks;
}

/** Function names of a gzipped pprof profile. */
function pprofFunctions(bytes: Uint8Array): { names: Set<string>; total: number } {
  const profile = pprof.Profile.decode(gunzipSync(bytes));
  const strings = profile.stringTable.strings;
  const names = new Set(profile.function.map((f) => strings[Number(f.name)]));
  const total = profile.sample.reduce((n, s) => n + Number(s.value[0]), 0);
  return { names, total };
}

const EXPECTED = ["<module>", "main", "top", "middle", "leaf"];

for (const py of PYTHONS) {
  Deno.test(`--format end to end on a real target [${py.label}]`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const outputs: Record<string, string> = {};
      await Promise.all(["speedscope", "pprof", "flamegraph", "html"].map(async (format) => {
        const file = `${dir}/out.${format}`;
        const run = await austin([
          `--format=${format}`,
          "-i",
          "1ms",
          "-o",
          file,
          py.path,
          NESTED,
          "1",
        ]);
        assert.equal(run.code, 0, run.stderr);
        outputs[format] = file;
      }));
      const speedscope = await Deno.readTextFile(outputs.speedscope);
      const stacks = [...speedscopeStacks(speedscope)];
      assert.ok(stacks.some((s) => EXPECTED.every((name) => s.includes(`${name}:`))), stacks[0]);
      const { names, total } = pprofFunctions(await Deno.readFile(outputs.pprof));
      for (const name of EXPECTED) assert.ok(names.has(name), `pprof lacks ${name}`);
      assert.ok(total > 100, `pprof has ${total} samples`);
      const svg = await Deno.readTextFile(outputs.flamegraph);
      assert.ok(
        svg.startsWith("<?xml") && svg.includes("<svg") && svg.trimEnd().endsWith("</svg>"),
      );
      for (const name of ["leaf", "middle", "&lt;module&gt;"]) assert.ok(svg.includes(name), name);
      const html = await Deno.readTextFile(outputs.html);
      assert.ok(html.includes("<html") && html.includes("leaf"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`converters: text and MOJO recordings give the direct output's stacks [${py.label}]`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const [text, mojo, direct] = await Promise.all([
        austin(["-i", "1ms", "-o", `${dir}/run.austin`, py.path, NESTED, "1"]),
        austin(["-b", "-i", "1ms", "-o", `${dir}/run.mojo`, py.path, NESTED, "1"]),
        austin([
          "--format=speedscope",
          "-i",
          "1ms",
          "-o",
          `${dir}/direct.json`,
          py.path,
          NESTED,
          "1",
        ]),
      ]);
      for (const run of [text, mojo, direct]) assert.equal(run.code, 0, run.stderr);
      await Promise.all([
        convert("austin2speedscope", `${dir}/run.austin`, `${dir}/text.json`),
        convert("austin2speedscope", `${dir}/run.mojo`, `${dir}/mojo.json`),
        convert("austin2pprof", `${dir}/run.austin`, `${dir}/text.pprof`),
        convert("austin2pprof", `${dir}/run.mojo`, `${dir}/mojo.pprof`),
        convert("austin2flamegraph", `${dir}/run.austin`, `${dir}/text.svg`),
        convert("austin2flamegraph", `${dir}/run.mojo`, `${dir}/mojo.svg`),
      ]);
      // The target's own stack (without the leaf's line), as each way of
      // making the picture shows it.
      const main = (stacks: Set<string>) =>
        [...stacks].find((s) => /^<module>:\d+;main:\d+;top:\d+;middle:\d+;leaf:\d+$/.test(s))
          ?.replace(/;leaf:\d+$/, "");
      const direct_ = speedscopeStacks(await Deno.readTextFile(`${dir}/direct.json`));
      const fromText = speedscopeStacks(await Deno.readTextFile(`${dir}/text.json`));
      const fromMojo = speedscopeStacks(await Deno.readTextFile(`${dir}/mojo.json`));
      assert.ok(main(direct_) !== undefined);
      assert.equal(main(fromText), main(direct_));
      assert.equal(main(fromMojo), main(direct_));
      const textPprof = pprofFunctions(await Deno.readFile(`${dir}/text.pprof`));
      const mojoPprof = pprofFunctions(await Deno.readFile(`${dir}/mojo.pprof`));
      for (const name of EXPECTED) {
        assert.ok(textPprof.names.has(name) && mojoPprof.names.has(name), name);
      }
      const textSvg = await Deno.readTextFile(`${dir}/text.svg`);
      const mojoSvg = await Deno.readTextFile(`${dir}/mojo.svg`);
      for (const svg of [textSvg, mojoSvg]) {
        assert.ok(svg.includes("leaf") && svg.includes("</svg>"));
      }
      // The MOJO of a run and its text rendering make identical pictures.
      const mojoText = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../lib/cli/mojo2austin.ts", import.meta.url).pathname,
          `${dir}/run.mojo`,
          `${dir}/mojo.austin`,
        ],
      }).output();
      assert.equal(mojoText.code, 0);
      await convert("austin2speedscope", `${dir}/mojo.austin`, `${dir}/mojo-text.json`);
      assert.deepEqual(
        JSON.parse(await Deno.readTextFile(`${dir}/mojo-text.json`)).profiles,
        JSON.parse(await Deno.readTextFile(`${dir}/mojo.json`)).profiles,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
