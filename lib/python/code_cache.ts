/**
 * Code objects read out of the target, cached by address: names, first
 * line and line table, plus memoised line numbers and frame texts.
 *
 * @module
 */

import type { ReadBuffer, RemoteMemory } from "../process.ts";
import type { Layout } from "./layout.ts";
import { lineAt } from "./line_number.ts";
import { locationTableLocationOrReached } from "./line_table.ts";
import { type Code, type Location, MAX_FRAMES } from "../sample.ts";
import { isWholeName, MAX_STRING_LENGTH, readBytesObject, readString } from "./strings.ts";
import { u64 } from "../bytes.ts";

/** Line tables larger than this are treated as corrupt. */
const MAX_LINE_TABLE = 1 << 20;

/** CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR. */
const GENERATOR_FLAGS = 0x20 | 0x80 | 0x200;
/** Distinct code objects of a stack looked up without a map. */
const LINEAR_UNIQUE = 48;
/** Code headers read in one system call. */
const BATCH = 256;
/** Spans of one call with a {@link Rider}: the watched pointer, the rider's, headers. */
const RIDER_SPANS = 1024;
/**
 * Entries kept before the cache is emptied, to bound memory: more than the
 * code objects a program's samples meet in a while, few enough that a
 * target making new code objects all the time (tests/targets/soak.py) keeps
 * the sampler's memory flat after its first minute (with 32 768 it grew
 * for three minutes).
 */
const MAX_ENTRIES = 4096;

/** What the sampler needs of one code object, and what output sees of it ({@link Code}). */
export class CodeInfo implements Code {
  readonly #lines = new Map<number, number>();

  constructor(
    readonly filename: string,
    readonly scope: string,
    readonly firstLineNo: number,
    readonly lineTable: Uint8Array,
    readonly layout: Layout,
    /** A shim frame that is never shown (3.13+ init cleanup). */
    readonly shim: boolean,
    /** A generator, coroutine or async generator (known up to 3.10). */
    readonly generator = false,
    /** Addresses of the name, file name and line table objects: the identity check. */
    readonly key: readonly [number, number, number] = [0, 0, 0],
    /** Code units of the bytecode (3.11+, `ob_size`); Infinity where not known. */
    readonly units = Infinity,
    /** Bytes a frame of this code takes on the data stack (3.11+, `co_framesize`), or 0. */
    readonly frameBytes = 0,
  ) {}

  /** The address of the file name object. */
  get filenameKey(): number {
    return this.key[0];
  }

  /** The address of the name (or qualified name) object. */
  get scopeKey(): number {
    return this.key[1];
  }

  /**
   * The source location at `position`: from 3.11, from the location table
   * (0-based columns, exclusive end, -1 where the entry has none); before,
   * the line alone.
   */
  location(position: number, out: Location): Location {
    if (this.layout.lineFormat !== "locations") {
      out.line = this.line(position);
      out.endLine = -1;
      out.column = -1;
      out.endColumn = -1;
      return out;
    }
    const t = this.lineTable;
    locationTableLocationOrReached(t, t.length, this.firstLineNo, position, out);
    if (out.line < 0) out.line = this.line(position);
    if (out.endLine < 0) out.endLine = out.line;
    return out;
  }

  /**
   * The line being executed at `position`: f_lasti (up to 3.10) or the
   * code-unit index from `co_code_adaptive` (3.11+).
   */
  line(position: number): number {
    let line = this.#lines.get(position);
    if (line === undefined) {
      line = lineAt(this.layout.lineFormat, this.lineTable, this.firstLineNo, position);
      if (this.#lines.size < 4096) this.#lines.set(position, line);
    }
    return line;
  }
}

/** Stands for an executable that is not a code object (3.13+): skipped like a shim. */
const NOT_CODE = new CodeInfo("", "", 0, new Uint8Array(0), null as unknown as Layout, true);

/**
 * Spans of memory that a caller of {@link CodeCache.resolveMany} wants read
 * in the same system call as the code objects' headers, after the watched
 * pointer and before the headers. `read` and `offset` are set by the call:
 * whether all `bytes` of them were read, and where they start in
 * {@link CodeCache.riderView}.
 */
export interface Rider {
  readonly addresses: Float64Array;
  readonly lengths: Float64Array;
  count: number;
  bytes: number;
  read: boolean;
  offset: number;
}

/** The most bytes a {@link Rider} can carry. */
export const RIDER_BYTES = 65536;

/** Reads and caches code objects of one process. */
export class CodeCache {
  readonly #entries = new Map<number, CodeInfo>();
  readonly #buffer: ReadBuffer;
  readonly #header: ReadBuffer;
  readonly #typeName: ReadBuffer;
  readonly #batch: ReadBuffer;
  readonly #seen = new Map<number, number>();
  readonly #unique = new Float64Array(MAX_FRAMES + 1);
  readonly #slot = new Int32Array(MAX_FRAMES);
  readonly #resolved: (CodeInfo | null)[] = new Array(MAX_FRAMES + 1).fill(null);
  /**
   * The pointer read at the `watch` address of the last
   * {@link CodeCache.resolveMany} call, in the same system call as the
   * headers; -1 if it could not be read.
   */
  watched = -1;

  constructor(
    readonly memory: RemoteMemory,
    readonly layout: Layout,
    /** `PyCode_Type`'s address, or 0 to check the type by name. */
    readonly codeType: number,
  ) {
    this.#buffer = memory.buffer(Math.max(MAX_STRING_LENGTH * 4, 65536));
    this.#header = memory.buffer(512);
    this.#typeName = memory.buffer(64);
    this.#batch = memory.buffer(BATCH * layout.code.size + RIDER_BYTES + 8);
  }

  /**
   * The code object at `address`; null if it cannot be read or is not code.
   * The object's header is read every time: a cached entry is used only if
   * its name, file name and line table are still the same objects, since
   * the address of a freed code object is soon reused by a new one.
   */
  get(address: number): CodeInfo | null {
    const size = this.layout.code.size;
    const header = this.#header;
    if (address === 0 || this.memory.read(address, size, header) !== size) return null;
    return this.#lookup(address, header.view, 0);
  }

  /**
   * Resolves `count` code object addresses into `out` with one batched read
   * of their headers. Returns false if any of them could not be read.
   * With `watch`, the pointer at that address is read first in the same
   * call (the stack walker's check that the stack did not change) and left
   * in {@link CodeCache.watched}.
   */
  resolveMany(
    addresses: Float64Array,
    count: number,
    out: (CodeInfo | null)[],
    watch = 0,
    rider: Rider | null = null,
  ): boolean {
    // Recursion repeats code objects: read each distinct one once.
    const seen = this.#seen;
    const unique = this.#unique;
    const slot = this.#slot;
    seen.clear();
    this.watched = -1;
    let n = 0;
    // The watched pointer takes the first slot (a slot is as long as a
    // header: the walker watches fields well inside their structures).
    if (watch > 0) unique[n++] = watch;
    const first = n;
    for (let i = 0; i < count; i++) {
      const address = addresses[i];
      // A stack holds few distinct code objects: look them up in the list
      // itself (a map keyed by addresses allocates a number per key).
      let k = -1;
      if (n - first <= LINEAR_UNIQUE) {
        for (let j = first; j < n; j++) {
          if (unique[j] === address) {
            k = j;
            break;
          }
        }
      } else {
        if (seen.size === 0) { for (let j = first; j < n; j++) seen.set(unique[j], j); }
        k = seen.get(address) ?? -1;
      }
      if (k < 0) {
        k = n++;
        if (seen.size > 0) seen.set(address, k);
        unique[k] = address;
      }
      slot[i] = k;
    }
    const size = this.layout.code.size;
    const batch = this.#batch;
    const view = batch.view;
    const resolved = this.#resolved;
    let done = 0;
    if (rider !== null) {
      rider.read = false;
      done = this.#readWithRider(n, watch, rider);
      if (done < 0) return false;
    }
    while (done < n) {
      const want = Math.min(n - done, BATCH);
      const got = Math.max(this.memory.readMany(unique, done, want, size, batch), 0);
      let i = 0;
      if (done === 0 && watch > 0) {
        if (got === 0) {
          // Unreadable: the headers are read without it.
          done = 1;
          continue;
        }
        this.watched = u64(view, 0);
        i = 1;
      }
      for (; i < got; i++) {
        const info = this.#lookup(unique[done + i], view, i * size);
        if (info === null) return false;
        resolved[done + i] = info;
      }
      if (got < want) {
        // The first unreadable header: read it alone to find out.
        const single = this.get(unique[done + got]);
        if (single === null) return false;
        resolved[done + got] = single;
        done += got + 1;
      } else {
        done += want;
      }
    }
    for (let i = 0; i < count; i++) out[i] = resolved[slot[i]];
    return true;
  }

  /**
   * The first batch of `resolveMany` with the rider's spans: the watched
   * pointer, the rider, then as many headers as fit, in one call. Returns
   * how many of the `n` unique addresses it dealt with (0 if the call came
   * short of the rider, whose spans are then not read; the headers are then
   * read without it), or -1 if a header read is not a code object's.
   */
  #readWithRider(n: number, watch: number, rider: Rider): number {
    const size = this.layout.code.size;
    const unique = this.#unique;
    const addresses = this.#riderAddresses;
    const lengths = this.#riderLengths;
    const first = watch > 0 ? 1 : 0;
    let spans = 0;
    if (watch > 0) {
      addresses[spans] = watch;
      lengths[spans++] = 8;
    }
    for (let i = 0; i < rider.count; i++) {
      addresses[spans] = rider.addresses[i];
      lengths[spans++] = rider.lengths[i];
    }
    const headers = Math.min(n - first, BATCH, RIDER_SPANS - spans);
    for (let i = 0; i < headers; i++) {
      addresses[spans] = unique[first + i];
      lengths[spans++] = size;
    }
    const before = 8 * first + rider.bytes;
    const got = this.memory.readSpans(addresses, lengths, spans, this.#batch);
    if (got < before) return 0;
    rider.read = true;
    rider.offset = 8 * first;
    const view = this.#batch.view;
    if (watch > 0) this.watched = u64(view, 0);
    const read = Math.floor((got - before) / size);
    for (let i = 0; i < read; i++) {
      const info = this.#lookup(unique[first + i], view, before + i * size);
      if (info === null) return -1;
      this.#resolved[first + i] = info;
    }
    return first + read;
  }

  /** The bytes of the last {@link Rider} read (at its `offset`). */
  get riderView(): DataView {
    return this.#batch.view;
  }

  readonly #riderAddresses = new Float64Array(RIDER_SPANS);
  readonly #riderLengths = new Float64Array(RIDER_SPANS);

  /** The entry for the code object whose header is at `base` in `view`. */
  #lookup(address: number, view: DataView, base: number): CodeInfo | null {
    const o = this.layout.code;
    // Not a code object: a torn read (or, 3.13+, another kind of executable).
    if (this.codeType !== 0 && u64(view, base + this.layout.object.type) !== this.codeType) {
      return this.layout.checkCodeType ? NOT_CODE : null;
    }
    const filenameAt = u64(view, base + o.filename);
    const nameAt = u64(view, base + (o.qualname >= 0 ? o.qualname : o.name));
    const tableAt = u64(view, base + o.lineTable);
    const hit = this.#entries.get(address);
    if (
      hit !== undefined && hit.key[0] === filenameAt && hit.key[1] === nameAt &&
      hit.key[2] === tableAt
    ) {
      return hit;
    }
    const info = this.#load(view, base, filenameAt, nameAt, tableAt);
    if (info !== null && info !== NOT_CODE) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(address, info);
    }
    return info;
  }

  #isCode(type: number): boolean {
    if (this.codeType !== 0) return type === this.codeType;
    // tp_name is a C string: "code".
    const header = this.#typeName;
    if (this.memory.read(type + this.layout.object.typeName, 8, header) !== 8) return false;
    const name = u64(header.view, 0);
    if (this.memory.read(name, 5, header) !== 5) return false;
    const b = header.bytes;
    return b[0] === 99 && b[1] === 111 && b[2] === 100 && b[3] === 101 && b[4] === 0;
  }

  /** Builds the entry for a code object whose header is in `view`. */
  #load(
    view: DataView,
    base: number,
    filenameAt: number,
    nameAt: number,
    tableAt: number,
  ): CodeInfo | null {
    const o = this.layout.code;
    if (this.layout.checkCodeType && !this.#isCode(u64(view, base + this.layout.object.type))) {
      return NOT_CODE;
    }
    const firstLineNo = view.getInt32(base + o.firstLineNo, true);
    const s = this.layout.strings;
    const filename = readString(this.memory, this.#buffer, filenameAt, s);
    const scope = readString(this.memory, this.#buffer, nameAt, s);
    if (filename === null || scope === null) return null;
    if (!isWholeName(scope) || (filename !== "" && !isWholeName(filename))) return null;
    const table = readBytesObject(
      this.memory,
      this.#buffer,
      tableAt,
      s.bytesData,
      MAX_LINE_TABLE,
      this.layout.object.size,
    );
    if (table === null) return null;
    const shim = filename === "__init__" && scope === "__init__";
    const flags = o.flags >= 0 ? view.getInt32(base + o.flags, true) : 0;
    const generator = (flags & GENERATOR_FLAGS) !== 0;
    // From 3.11 a code object is a variable-size object of code units.
    const units = this.layout.lineFormat === "locations"
      ? u64(view, base + this.layout.object.size)
      : Infinity;
    const key = [filenameAt, nameAt, tableAt] as const;
    let words = o.frameSpecials;
    for (const at of o.frameWords) words += view.getInt32(base + at, true);
    const frameBytes = words * 8;
    return new CodeInfo(
      filename,
      scope,
      firstLineNo,
      table,
      this.layout,
      shim,
      generator,
      key,
      units,
      frameBytes,
    );
  }
}
