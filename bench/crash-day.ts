// P4: a day of crash loop, simulated in virtual time.
import { filter } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { supervise } from '../lib/index.js';
import { FakeDriver, type FakeProcessScript } from '../lib/testing/index.js';
import { now, type Row } from './measure.js';

const DAY_MS = 24 * 60 * 60 * 1_000;

/** Runs one daemon for a simulated day; returns the wall ms it took and the spawns it made. */
const simulateDay = (script: FakeProcessScript): { wallMs: number; spawns: number } => {
  const scheduler = new TestScheduler(() => undefined);
  const start = now();
  let spawns = 0;
  scheduler.run(({ cold }) => {
    const driver = new FakeDriver(script);
    supervise({ command: 'crashy' }, { driver, stop$: cold(`${DAY_MS}ms s`) })
      .pipe(filter((event) => event.type === 'spawning'))
      .subscribe(() => spawns++);
  });
  return { wallMs: now() - start, spawns };
};

export const crashDay = (): Row[] => {
  const atOnce = simulateDay({ exitAfterMs: 0, exitCode: 1 });
  // Healthy for 11 s, then a crash: the counter resets every time, so the restarts never back off.
  const healthyThenCrash = simulateDay({ exitAfterMs: 11_000, exitCode: 1 });
  return [
    { target: 'P4', subject: `24 h, dies at once (${atOnce.spawns} spawns)`, value: atOnce.wallMs, unit: 'ms', goal: '< 1000 ms', met: atOnce.wallMs < 1_000 },
    {
      target: 'P4',
      subject: `24 h, dies after 11 s healthy (${healthyThenCrash.spawns} spawns)`,
      value: healthyThenCrash.wallMs,
      unit: 'ms',
      goal: '< 1000 ms',
      met: healthyThenCrash.wallMs < 1_000,
    },
  ];
};
