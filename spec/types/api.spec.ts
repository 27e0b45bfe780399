// Type tests of the public API's shapes a user leans on; see events.spec.ts
// for how they are checked.
import type { TestScheduler } from 'rxjs/testing';
import type { Either } from 'fp-ts/lib/Either.js';
import type { Command, ControlError, ControlOutcome, DaemonOptions, DesiredSet, ManagerClosedEvent, ManagerOptions, ManagerStoppedEvent, RestartPolicy, RestartState, Service, Signal, Stdio } from 'rxdaemon';
import { Manager } from 'rxdaemon';
import { testKit, type FakeDriver, type Script } from 'rxdaemon/testing';
import { describe, expectTypeOf, it } from 'vitest';

describe('Manager', () => {
  it('close() resolves with manager-closed, kill() with manager-stopped', () => {
    expectTypeOf<Manager['close']>().returns.resolves.toEqualTypeOf<ManagerClosedEvent>();
    expectTypeOf<Manager['kill']>().returns.resolves.toEqualTypeOf<ManagerStoppedEvent>();
    expectTypeOf<Manager['restart']>().parameters.toEqualTypeOf<[id: string]>();
  });

  it('restart(), stop() and start() resolve with what they did or found, or a Left saying why not', () => {
    type Result = Either<ControlError, ControlOutcome>;
    expectTypeOf<Manager['restart']>().returns.resolves.toEqualTypeOf<Result>();
    expectTypeOf<Manager['stop']>().returns.resolves.toEqualTypeOf<Result>();
    expectTypeOf<Manager['start']>().returns.resolves.toEqualTypeOf<Result>();
    expectTypeOf<ControlOutcome>().toEqualTypeOf<'started' | 'restarted' | 'stopped' | 'already-running' | 'already-stopped'>();
    expectTypeOf<ControlError['code']>().toEqualTypeOf<'EREFUSED' | 'ESPAWN' | 'EENDED'>();
  });
});

describe('Signal', () => {
  it('names the signals node names: a stop signal of either spelling fits the other', () => {
    expectTypeOf<Signal>().toEqualTypeOf<NodeJS.Signals>();
    expectTypeOf<DaemonOptions['stopSignal']>().toEqualTypeOf<Signal | undefined>();
  });
});

describe('Service and DesiredSet', () => {
  it('a plain Command is a Service, and a set of them a DesiredSet', () => {
    expectTypeOf<Command>().toExtend<Service>();
    const set = { web: { command: 'nginx' }, envoy: { command: 'envoy', stopSignal: 'SIGTERM', gracefulStopMs: 20_000 } } satisfies DesiredSet;
    expectTypeOf(set).toExtend<DesiredSet>();
  });

  it('Stdio is ignore, inherit or a file, never a pipe', () => {
    expectTypeOf<Stdio>().toEqualTypeOf<'ignore' | 'inherit' | { readonly file: string }>();
    expectTypeOf<'pipe'>().not.toExtend<Stdio>();
    // @ts-expect-error 'pipe' would create a file named pipe; it is no Stdio.
    const output: Stdio = 'pipe';
    expectTypeOf(output).toEqualTypeOf<Stdio>();
    expectTypeOf<{ command: 'x'; stdout: 'pipe' }>().not.toExtend<Service>();
  });
});

describe('RestartPolicy', () => {
  it('decides from the attempt, the restarts, the last run, its run time, the clock and its own memory', () => {
    expectTypeOf<Parameters<RestartPolicy['next']>[0]>().toEqualTypeOf<RestartState>();
    expectTypeOf<RestartState['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<RestartState['restarts']>().toEqualTypeOf<number>();
    expectTypeOf<RestartState['runMs']>().toEqualTypeOf<number>();
    expectTypeOf<RestartState['now']>().toEqualTypeOf<number>();
    expectTypeOf<RestartState['memory']>().toEqualTypeOf<unknown>();
    expectTypeOf<RestartState['last']['kind']>().toEqualTypeOf<'exited' | 'spawn-failed'>();
  });
});

describe('testKit', () => {
  it('gives a TestScheduler unless given a scheduler, and options that spread into DaemonOptions and ManagerOptions', () => {
    expectTypeOf(testKit().scheduler).toEqualTypeOf<TestScheduler>();
    expectTypeOf(testKit({ exitAfterMs: 1 }).driver).toEqualTypeOf<FakeDriver>();
    expectTypeOf(testKit().options).toExtend<DaemonOptions>();
    expectTypeOf(testKit().options).toExtend<ManagerOptions>();
  });

  it('takes a script for all, a function of the spawn, or one per id', () => {
    expectTypeOf({ exitAfterMs: 5, exitCode: 1 }).toExtend<Script>();
    expectTypeOf((spawn: number) => (spawn === 1 ? { exitAfterMs: 5 } : {})).toExtend<Script>();
    expectTypeOf({ byId: { db: {}, web: { onSigint: 'ignore' as const } }, otherwise: {} }).toExtend<Script>();
    expectTypeOf({ byId: { db: { exitAfter: 5 } } }).not.toExtend<Script>();
  });
});
