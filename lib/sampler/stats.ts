/**
 * Sampling statistics: counts, errors, saturation and per-sample times,
 * for the footer and the stderr summary (spec: austin-behaviour.md 5.3, 5.7).
 *
 * @module
 */

/** Running statistics of one sampling run. */
export class SamplingStats {
  /** Samples emitted. */
  count = 0;
  /** Emitted samples marked `:INVALID:`. */
  errors = 0;
  /** Emitted samples that took longer than the interval. */
  long = 0;
  /** Sum, smallest and largest per-sample time in µs. */
  total = 0;
  min = Infinity;
  max = 0;
  /** µs of sample time while the GC was collecting. */
  gcTime = 0;

  /** Records one emitted sample that took `elapsedUs`. */
  record(elapsedUs: number, intervalUs: number, invalid: boolean): void {
    this.count++;
    if (invalid) this.errors++;
    if (elapsedUs > intervalUs) this.long++;
    this.total += elapsedUs;
    if (elapsedUs < this.min) this.min = elapsedUs;
    if (elapsedUs > this.max) this.max = elapsedUs;
  }

  /** Integer average per-sample time. */
  get average(): number {
    return this.count === 0 ? 0 : Math.floor(this.total / this.count);
  }
}
