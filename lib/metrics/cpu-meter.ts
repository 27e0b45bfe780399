/** A cumulative CPU time and the moment it was read, both in ms (each key on one clock of its own). */
export interface CpuSample {
  readonly cpuMs: number;
  readonly atMs: number;
}

// A shorter window than this is mostly the 10 ms granularity of /proc's ticks.
const MIN_WINDOW_MS = 1_000;

/** One decimal of a percentage. */
const percentOf = (cpuMs: number, windowMs: number): number => Math.round((1000 * cpuMs) / windowMs) / 10;

/**
 * The CPU use of processes or cgroups, in percent of one core (above 100
 * when they keep more than one busy), as `top` shows it: over the window
 * since the previous look at the same key, pidusage's way (what PM2
 * shows). A first look measures from its `origin` (a process's start, as
 * `ps` does) or from a {@link mark} (a cgroup's counter when its run
 * began: the cgroup outlives runs, so its counter does not start at 0);
 * without either it has no window yet. A look within a second of the last
 * figure repeats it, since so short a window is mostly the ticks' noise.
 *
 * @example
 * const meter = new CpuMeter();
 * meter.percent('pid:812@1000', { cpuMs: 1_000, atMs: 14_000 }, { cpuMs: 0, atMs: 10_000 }); // 25
 */
export class CpuMeter {
  readonly #last = new Map<string, { readonly sample: CpuSample; readonly percent: number | undefined }>();

  /** Takes `sample` as where the next look at `key` measures from. */
  mark(key: string, sample: CpuSample): void {
    this.#last.set(key, { sample, percent: undefined });
  }

  /** The CPU use of `key` as `sample` was just read; undefined for a first look with no origin and no mark. */
  percent(key: string, sample: CpuSample, origin?: CpuSample): number | undefined {
    const last = this.#last.get(key);
    if (last?.percent !== undefined && sample.atMs - last.sample.atMs < MIN_WINDOW_MS) return last.percent;
    const since = last?.sample ?? origin;
    if (since === undefined) {
      this.mark(key, sample);
      return undefined;
    }
    const windowMs = sample.atMs - since.atMs;
    const percent = windowMs <= 0 ? 0 : percentOf(sample.cpuMs - since.cpuMs, windowMs);
    this.#last.set(key, { sample, percent });
    return percent;
  }

  /** Forgets every key but these (the others are gone, or no longer looked at). */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.#last.keys()) if (!keys.has(key)) this.#last.delete(key);
  }
}
