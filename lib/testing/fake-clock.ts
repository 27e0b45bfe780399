import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** Options of {@link FakeClock}. */
export interface FakeClockOptions {
  /** The scheduler it runs on from the start. Default: the first one it is asked to use. */
  readonly scheduler?: SchedulerLike;
  /** Who keeps time by it, as its refusal names it. Default `FakeClock`. */
  readonly name?: string;
}

/**
 * The clock of fake processes: a scheduler, taken late. Unless it was given
 * one, it takes the scheduler of the first daemon or manager whose options
 * name a fake that keeps time by it (`asyncScheduler` when it is read
 * before any, e.g. by `FakeProcesses.addProcess`). Once it has one, it
 * refuses another with a TypeError: a fake on another clock would never
 * end its processes in the daemon's time. The parts of one `FakeDriver`
 * share one.
 *
 * @example
 * // Fake processes that exit after 100 ms of this scheduler's time.
 * const scheduler = new TestScheduler(assert.deepStrictEqual);
 * const processes = new FakeProcesses({ exitAfterMs: 100 }, { clock: new FakeClock({ scheduler }) });
 */
export class FakeClock {
  #clock: { readonly scheduler: SchedulerLike; readonly from: string } | undefined;
  readonly #name: string;

  constructor({ scheduler, name = 'FakeClock' }: FakeClockOptions = {}) {
    this.#name = name;
    this.#clock = scheduler === undefined ? undefined : { scheduler, from: `the ${name}'s own options` };
  }

  /** Takes `scheduler` as the clock, or refuses it (TypeError) when it already runs on another. */
  use(scheduler: SchedulerLike): void {
    if (this.#clock === undefined) this.#clock = { scheduler, from: 'the options of the first daemon or manager that used it' };
    else if (this.#clock.scheduler !== scheduler) {
      throw new TypeError(
        `This ${this.#name} runs on another scheduler than the daemon's or manager's (it has the one of ${this.#clock.from}), so its processes would never end in their time. Give both the same scheduler, or take both from testKit().`,
      );
    }
  }

  /** The scheduler; one read before anything gave it one is `asyncScheduler`, for good. */
  get scheduler(): SchedulerLike {
    this.#clock ??= { scheduler: asyncScheduler, from: 'asyncScheduler, taken at its use before any daemon' };
    return this.#clock.scheduler;
  }

  /** The scheduler's time. */
  now(): number {
    return this.scheduler.now();
  }
}
