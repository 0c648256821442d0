/**
 * What the platform-neutral code may know of another process: its memory
 * map, the files it has mapped and read access to its memory. The
 * interfaces are implemented by each OS's module under `platforms/`; the
 * CPython readers in `lib/python/` see a process through these alone.
 *
 * @module
 */

/** One line of a process's memory map. Addresses are plain numbers (< 2^53). */
export interface MemoryMap {
  /** First address of the mapping. */
  start: number;
  /** One past the last address of the mapping. */
  end: number;
  /** Permission string, e.g. `r-xp`. */
  perms: string;
  /** Offset of the mapping in its file. */
  offset: number;
  /** Path of the mapped file, a pseudo name like `[heap]`, or "" for anonymous memory. */
  path: string;
}

/** A local buffer that remote memory can be copied into without allocation. */
export interface ReadBuffer {
  /** The bytes. */
  readonly bytes: Uint8Array;
  /** A view over the same bytes, for little-endian field reads. */
  readonly view: DataView;
}

/** Read access to another process's memory. */
export interface RemoteMemory {
  /** The process id. */
  readonly pid: number;
  /** Creates a buffer of `size` bytes usable with {@link RemoteMemory.read}. */
  buffer(size: number): ReadBuffer;
  /**
   * Copies `length` bytes at remote address `address` into `into.bytes`, at
   * offset `at`. Returns the number of bytes copied (short when the range
   * crosses into unmapped memory) or a negative errno value.
   */
  read(address: number, length: number, into: ReadBuffer, at?: number): number;
  /**
   * Copies `length` bytes at each of `count` addresses, starting with
   * `addresses[first]`, into consecutive `length`-byte slots of `into`, in
   * one system call where the OS allows. Returns how many leading slots were
   * filled completely (reading stops at the first unreadable region), or a
   * negative errno.
   */
  readMany(
    addresses: Float64Array,
    first: number,
    count: number,
    length: number,
    into: ReadBuffer,
  ): number;
  /**
   * Copies `lengths[i]` bytes at each `addresses[i]`, for the first `count`,
   * one after the other into `into.bytes`, in one system call where the OS
   * allows. Returns the number of bytes copied (reading stops at the first
   * unreadable byte) or a negative errno.
   */
  readSpans(
    addresses: Float64Array,
    lengths: Float64Array,
    count: number,
    into: ReadBuffer,
  ): number;
}

/** What a liveness probe found. */
export type ProcessState = "alive" | "exited" | "missing" | "denied";

/**
 * The narrow view of one process that finding its Python runtime needs.
 * Every failure is a value: nothing here throws.
 */
export interface ProcessView {
  /** The process id. */
  readonly pid: number;
  /** Its memory. */
  readonly memory: RemoteMemory;
  /** Whether the process exists and can be looked at. */
  state(): ProcessState;
  /**
   * The memory map and the path of the executable, or why they cannot be
   * read: "denied" when the process may not be looked at, "missing" when
   * it is gone.
   */
  image(): { maps: MemoryMap[]; executable: string } | "denied" | "missing";
  /**
   * Paths under which this process can open a file the target has mapped,
   * best first.
   */
  mappedFileCandidates(map: MemoryMap): string[];
  /** The process's id in its own (innermost) PID namespace: what its threads see. */
  namespacePid(): number;
}
