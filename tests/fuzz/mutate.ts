/**
 * The fuzzer's inputs: seeded pseudo-random mutations of a corpus of real
 * files. Input `index` of a run is a pure function of the run's seed, the
 * reader's name, the index and the corpus, so that any input can be made
 * again on its own.
 *
 * Mutations, one to four per input: bit flips, bytes set to interesting
 * values (0, 0xff, 0x7f, 0x80, ...) or at random, little-endian integers of
 * 2, 4 or 8 bytes set to interesting values, truncation, deletion,
 * duplication and insertion of chunks (from the same seed or another one),
 * runs of one byte, short tokens of the text format, and splices of two
 * seeds. Positions favour the first and last 4 KiB, where headers and
 * tables live.
 *
 * @module
 */

/** A small, fast 32-bit pseudo-random generator (xorshift, shifts 13, 17, 5). */
export class Rng {
  #state: number;

  /** @param seed any 32-bit value; 0 is replaced, as xorshift cannot leave it */
  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }

  /** The next value, 0 ≤ n < 2^32. */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }

  /** An integer 0 ≤ n < `bound` (`bound` ≥ 1). */
  below(bound: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * bound);
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/** Scrambles a 32-bit value so that close inputs give unrelated outputs (a MurmurHash3-style finaliser). */
export function scramble(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a name, to give each reader its own inputs for the same seed. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The generator of input `index` of a run. */
export function inputRng(seed: number, reader: string, index: number): Rng {
  return new Rng(scramble(seed ^ scramble(nameHash(reader) + scramble(index))));
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x40, 0x3f, 0xbf, 0xc0, 0xfe] as const;

/** Little-endian values for 2-, 4- and 8-byte fields: zero, ones, sign bits, small counts. */
const INTERESTING_WORDS: readonly bigint[] = [
  0n,
  1n,
  2n,
  0x40n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x1_0000_0000n,
  (1n << 53n) - 1n,
  1n << 53n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

const encoder = new TextEncoder();

/** Short pieces of Austin's text format and of MOJO events. */
const TOKENS: readonly Uint8Array[] = [
  ";",
  ":",
  " ",
  "\n",
  "\r\n",
  "#",
  "P",
  "T",
  ",",
  "-",
  "L",
  "0",
  "9999999999999999999999",
  ":INVALID:",
  ":GC:",
  "# mode: full\n",
  "# mode: memory\n",
  "# mode: wall\n",
  "P1;T0:1 5\n",
  "P1;T0:1;a.py:f:1 1,1,-1\n",
  "\x00",
  "\x02\x01\x00ab\x00",
  "\x05\xbf\xff\xff\xff\xff\xff\xff\xff\xff\x03",
  "\x0b\x02x\x00",
  "\x09\x81\x80\x80\x80\x80\x80\x80\x80\x01",
].map((t) => encoder.encode(t));

/** Bytes runs of one value are made of. */
const RUN_BYTES = [0x20, 0x3b, 0x3a, 0x0a, 0x23, 0x30, 0x80, 0xff, 0x00, 0x09] as const;

/** A position in `length` bytes (or `length + 1` for an insertion), favouring both ends. */
function position(rng: Rng, length: number, insert = false): number {
  const span = insert ? length + 1 : length;
  if (span <= 0) return 0;
  const near = Math.min(span, 4096);
  switch (rng.below(10)) {
    case 0:
    case 1:
    case 2:
      return rng.below(near);
    case 3:
    case 4:
    case 5:
      return span - 1 - rng.below(near);
    default:
      return rng.below(span);
  }
}

/** A chunk length: mostly short, sometimes long. */
function chunkLength(rng: Rng, max: number): number {
  if (max <= 0) return 0;
  const limit = rng.below(4) === 0 ? max : Math.min(max, 64);
  return 1 + rng.below(limit);
}

/** `bytes` with `piece` inserted at `at`. */
function insertAt(bytes: Uint8Array, at: number, piece: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + piece.length);
  out.set(bytes.subarray(0, at));
  out.set(piece, at);
  out.set(bytes.subarray(at), at + piece.length);
  return out;
}

/** Applies one mutation; returns the (possibly new) bytes. */
function mutateOnce(rng: Rng, bytes: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  const n = bytes.length;
  switch (rng.below(12)) {
    case 0: { // flip a bit
      if (n === 0) return bytes;
      bytes[position(rng, n)] ^= 1 << rng.below(8);
      return bytes;
    }
    case 1: { // an interesting byte
      if (n === 0) return bytes;
      bytes[position(rng, n)] = rng.pick(INTERESTING_BYTES);
      return bytes;
    }
    case 2: { // a random byte
      if (n === 0) return bytes;
      bytes[position(rng, n)] = rng.below(256);
      return bytes;
    }
    case 3: { // an interesting little-endian integer of 2, 4 or 8 bytes
      const size = rng.pick([2, 4, 8]);
      if (n < size) return bytes;
      const at = Math.min(position(rng, n), n - size);
      let v = BigInt.asUintN(size * 8, rng.pick(INTERESTING_WORDS));
      for (let i = 0; i < size; i++, v >>= 8n) bytes[at + i] = Number(v & 0xffn);
      return bytes;
    }
    case 4: // truncation
      return bytes.subarray(0, position(rng, n, true));
    case 5: { // delete a chunk
      if (n === 0) return bytes;
      const at = position(rng, n);
      const length = chunkLength(rng, n - at);
      const out = new Uint8Array(n - length);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + length), at);
      return out;
    }
    case 6: { // duplicate a chunk of the same bytes elsewhere
      if (n === 0) return bytes;
      const from = position(rng, n);
      const piece = bytes.slice(from, from + chunkLength(rng, n - from));
      return insertAt(bytes, position(rng, n, true), piece);
    }
    case 7: { // insert a chunk of another seed
      const other = rng.pick(corpus);
      if (other.length === 0) return bytes;
      const from = position(rng, other.length);
      const piece = other.slice(from, from + chunkLength(rng, other.length - from));
      return insertAt(bytes, position(rng, n, true), piece);
    }
    case 8: { // splice: this one's start, another one's end
      const other = rng.pick(corpus);
      const head = position(rng, n, true);
      const tail = position(rng, other.length, true);
      const out = new Uint8Array(head + other.length - tail);
      out.set(bytes.subarray(0, head));
      out.set(other.subarray(tail), head);
      return out;
    }
    case 9: { // a run of one byte
      const run = new Uint8Array(rng.below(8) === 0 ? 1 + rng.below(4096) : 1 + rng.below(32));
      run.fill(rng.below(2) === 0 ? rng.pick(RUN_BYTES) : rng.below(256));
      return insertAt(bytes, position(rng, n, true), run);
    }
    case 10: // a token of the formats
      return insertAt(bytes, position(rng, n, true), rng.pick(TOKENS));
    default: { // overwrite a chunk with another seed's bytes at the same offset
      const other = rng.pick(corpus);
      if (n === 0 || other.length === 0) return bytes;
      const at = position(rng, Math.min(n, other.length));
      const length = Math.min(chunkLength(rng, n - at), other.length - at);
      bytes.set(other.subarray(at, at + length), at);
      return bytes;
    }
  }
}

/**
 * Input `index` of a run: a copy of one seed of `corpus` with one to four
 * mutations, at most `maxSize` bytes long.
 */
export function makeInput(
  seed: number,
  reader: string,
  index: number,
  corpus: readonly Uint8Array[],
  maxSize: number,
): Uint8Array {
  const rng = inputRng(seed, reader, index);
  let bytes: Uint8Array = rng.pick(corpus).slice();
  const count = 1 + (rng.below(2) === 0 ? 0 : rng.below(4));
  for (let i = 0; i < count; i++) {
    bytes = mutateOnce(rng, bytes, corpus);
    if (bytes.length > maxSize) bytes = bytes.subarray(0, maxSize);
  }
  return bytes;
}
