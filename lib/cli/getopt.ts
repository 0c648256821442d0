/**
 * glibc's `getopt_long` in its default, permuting, mode, step by step as
 * Austin 3.7's argp drives it: short and long options, abbreviations and
 * their ambiguity errors, optional arguments and the permutation of
 * non-options, with glibc's messages.
 *
 * @module
 */

/** Whether an option takes no argument, requires one, or takes an optional one. */
export type ArgKind = "none" | "required" | "optional";

/** One entry of the option table that argp hands to getopt. */
export interface OptionSpec {
  /** Long name, without `--`. */
  readonly name: string;
  /** Short option character, if any. */
  readonly short: string | null;
  readonly arg: ArgKind;
  /** `true` for argp's own options, which Austin's callback never sees. */
  readonly builtin: boolean;
  /**
   * `true` for the options Austin 3.x never had (Austin 4's spellings and
   * austin-deno's own): an abbreviation that names one of Austin's options
   * too keeps its Austin 3.7 meaning (`--c` is `--children`, `--f` `--full`).
   */
  readonly added: boolean;
}

/** What one getopt call found. */
export type GetoptResult =
  | { type: "end" }
  | { type: "error"; message: string }
  | { type: "option"; spec: OptionSpec; arg: string | null };

const END: GetoptResult = { type: "end" };

/** getopt's test for an element that is not an option: no leading `-`, or `-` alone. */
const isNonOption = (s: string): boolean => !s.startsWith("-") || s === "-";

/**
 * glibc's `getopt_long` in permuting mode, on a mutable argument vector
 * (`argv[0]` included). Non-options met while looking for options are skipped,
 * then moved after the options that follow them, as glibc does.
 */
export class Getopt {
  /** Index of the next element to scan; the caller may move it. */
  optind = 0;
  /** The words that followed the first `--` that ended the scan, if one did. */
  afterDoubleDash: string[] | null = null;
  private nextchar = "";
  private firstNonopt = 1;
  private lastNonopt = 1;
  private initialized = false;

  readonly #short: ReadonlyMap<string, OptionSpec>;

  /**
   * @param argv The argument vector, `argv[0]` included; permuted in place.
   * @param argv0 The program name errors start with.
   * @param options The option table, in the order ambiguity errors list it.
   */
  constructor(
    private readonly argv: string[],
    private readonly argv0: string,
    private readonly options: readonly OptionSpec[],
  ) {
    this.#short = new Map(
      options.filter((o) => o.short !== null).map((o) => [o.short as string, o]),
    );
  }

  /** Scans for the next option, like one `getopt_long` call. */
  next(): GetoptResult {
    if (this.optind === 0 || !this.initialized) {
      if (this.optind === 0) this.optind = 1;
      this.firstNonopt = this.lastNonopt = this.optind;
      this.nextchar = "";
      this.initialized = true;
    }
    if (this.nextchar === "") {
      const element = this.advance();
      if (element === null) return END;
      if (element.startsWith("--")) return this.longOption(element.slice(2));
      this.nextchar = element.slice(1);
    }
    return this.shortOption();
  }

  /** Moves to the next option element, permuting; `null` at the end of the options. */
  private advance(): string | null {
    const argv = this.argv;
    const argc = argv.length;
    if (this.lastNonopt > this.optind) this.lastNonopt = this.optind;
    if (this.firstNonopt > this.optind) this.firstNonopt = this.optind;
    if (this.firstNonopt !== this.lastNonopt && this.lastNonopt !== this.optind) {
      this.exchange();
    } else if (this.lastNonopt !== this.optind) {
      this.firstNonopt = this.optind;
    }
    while (this.optind < argc && isNonOption(argv[this.optind])) this.optind++;
    this.lastNonopt = this.optind;

    if (this.optind !== argc && argv[this.optind] === "--") {
      this.afterDoubleDash = argv.slice(this.optind + 1);
      this.optind++;
      if (this.firstNonopt !== this.lastNonopt && this.lastNonopt !== this.optind) {
        this.exchange();
      } else if (this.firstNonopt === this.lastNonopt) {
        this.firstNonopt = this.optind;
      }
      this.lastNonopt = argc;
      this.optind = argc;
    }
    if (this.optind === argc) {
      if (this.firstNonopt !== this.lastNonopt) this.optind = this.firstNonopt;
      return null;
    }
    return argv[this.optind];
  }

  /** Moves the skipped non-options `[firstNonopt, lastNonopt)` after `[lastNonopt, optind)`. */
  private exchange(): void {
    const { argv, firstNonopt: bottom, lastNonopt: middle, optind: top } = this;
    const moved = [...argv.slice(middle, top), ...argv.slice(bottom, middle)];
    argv.splice(bottom, top - bottom, ...moved);
    this.firstNonopt += top - middle;
    this.lastNonopt = top;
  }

  /** Handles the next character of a group of short options. */
  private shortOption(): GetoptResult {
    const [c] = this.nextchar;
    this.nextchar = this.nextchar.slice(c.length);
    if (this.nextchar === "") this.optind++;
    const spec = this.#short.get(c);
    if (spec === undefined) return this.error(`invalid option -- '${c}'`);
    if (spec.arg !== "required") return { type: "option", spec, arg: null };
    let arg: string;
    if (this.nextchar !== "") {
      arg = this.nextchar;
      this.optind++;
    } else if (this.optind === this.argv.length) {
      return this.error(`option requires an argument -- '${c}'`);
    } else {
      arg = this.argv[this.optind++];
    }
    this.nextchar = "";
    return { type: "option", spec, arg };
  }

  /** Handles `--text`: exact name, or an unambiguous prefix, with `=value` or not. */
  private longOption(text: string): GetoptResult {
    const equal = text.indexOf("=");
    const name = equal < 0 ? text : text.slice(0, equal);
    this.optind++;
    this.nextchar = "";
    let spec = this.options.find((o) => o.name === name);
    if (spec === undefined) {
      let candidates = this.options.filter((o) => o.name.startsWith(name));
      const austins = candidates.filter((o) => !o.added);
      if (candidates.length > 1 && austins.length === 1) candidates = austins;
      if (candidates.length > 1) {
        const list = candidates.map((o) => ` '--${o.name}'`).join("");
        return this.error(`option '--${text}' is ambiguous; possibilities:${list}`);
      }
      if (candidates.length === 0) return this.error(`unrecognized option '--${text}'`);
      spec = candidates[0];
    }
    if (equal >= 0) {
      if (spec.arg === "none") {
        return this.error(`option '--${spec.name}' doesn't allow an argument`);
      }
      return { type: "option", spec, arg: text.slice(equal + 1) };
    }
    if (spec.arg === "required") {
      if (this.optind >= this.argv.length) {
        return this.error(`option '--${spec.name}' requires an argument`);
      }
      return { type: "option", spec, arg: this.argv[this.optind++] };
    }
    return { type: "option", spec, arg: null };
  }

  private error(text: string): GetoptResult {
    return { type: "error", message: `${this.argv0}: ${text}` };
  }
}
