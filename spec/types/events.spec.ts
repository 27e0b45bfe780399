// Type tests of the event unions, as a user's code meets them: `tsc --noEmit`
// (npm run typecheck) checks every expectTypeOf here; vitest runs the file
// too, where each assertion is a no-op, so the suite lists them.
import type {
  ClosedEvent,
  CompletedEvent,
  DaemonEvent,
  DaemonEventOf,
  ExitedEvent,
  FleetEvent,
  GaveUpEvent,
  ManagedDaemonEvent,
  ManagerClosedEvent,
  ManagerEvent,
  ManagerRefusedEvent,
  ManagerStoppedEvent,
  SpawnFailedEvent,
  StoppedEvent,
} from 'rxdaemon';
import { isFleetEvent, isManagerTerminal, isTerminal } from 'rxdaemon';
import { describe, expectTypeOf, it } from 'vitest';
import type { DaemonStatus } from '../../lib/daemon/state.js';
import type { TerminalEvent, TerminalType } from '../../lib/events.js';

type Terminal = StoppedEvent | ClosedEvent | GaveUpEvent | CompletedEvent;

describe('DaemonEvent', () => {
  it('narrows on `type`, and a switch over it can be exhaustive', () => {
    const describeEvent = (event: DaemonEvent): string => {
      switch (event.type) {
        case 'exited':
          expectTypeOf(event).toEqualTypeOf<ExitedEvent>();
          return String(event.code);
        case 'spawn-failed':
          expectTypeOf(event).toEqualTypeOf<SpawnFailedEvent>();
          return event.error.message;
        case 'gave-up':
          expectTypeOf(event.reason).toEqualTypeOf<'attempts-exhausted' | 'restarts-exhausted' | 'spawn-failed'>();
          return event.reason;
        default:
          return event.type;
      }
    };
    expectTypeOf(describeEvent).returns.toEqualTypeOf<string>();
  });

  it('isTerminal narrows to the four terminal events, and its else branch to the rest', () => {
    expectTypeOf(isTerminal).guards.toEqualTypeOf<Terminal>();
    const after = (event: DaemonEvent): void => {
      if (isTerminal(event)) expectTypeOf(event.type).toEqualTypeOf<'stopped' | 'closed' | 'gave-up' | 'completed'>();
      else expectTypeOf(event).toEqualTypeOf<Exclude<DaemonEvent, Terminal>>();
    };
    expectTypeOf(after).toBeFunction();
  });

  it('the terminal types are the terminal events\' types, and the statuses a daemon ends in', () => {
    expectTypeOf<TerminalType>().toEqualTypeOf<Terminal['type']>();
    expectTypeOf<TerminalEvent>().toEqualTypeOf<Terminal>();
    expectTypeOf<Extract<DaemonStatus, TerminalType>>().toEqualTypeOf<TerminalType>();
  });

  it('DaemonEventOf<"exited"> carries the facts of the exit', () => {
    expectTypeOf<DaemonEventOf<'exited'>>().toEqualTypeOf<ExitedEvent>();
    type Exited = DaemonEventOf<'exited'>;
    expectTypeOf<Exited['pid']>().toEqualTypeOf<number>();
    expectTypeOf<Exited['code']>().toEqualTypeOf<number | null>();
    expectTypeOf<Exited['signal']>().toEqualTypeOf<NodeJS.Signals | null>();
    expectTypeOf<Exited['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<Exited['runMs']>().toEqualTypeOf<number>();
    expectTypeOf<Exited['requested']>().toEqualTypeOf<boolean>();
    expectTypeOf<Exited['reason']>().toEqualTypeOf<'stop' | 'restart' | 'not-ready' | 'unhealthy' | 'oom' | undefined>();
    // An event has an id only when its command has one.
    expectTypeOf<DaemonEvent['id']>().toEqualTypeOf<string | undefined>();
  });
});

describe('ManagerEvent', () => {
  it('a daemon’s event, as the manager emits it, always has its id', () => {
    expectTypeOf<Extract<ManagerEvent, { type: 'exited' }>['id']>().toEqualTypeOf<string>();
    expectTypeOf<ManagedDaemonEvent['id']>().toEqualTypeOf<string>();
    const idOf = (event: ManagerEvent): string | undefined => {
      if (event.type === 'started') return event.id;
      return undefined;
    };
    expectTypeOf(idOf).returns.toEqualTypeOf<string | undefined>();
  });

  it('isFleetEvent narrows to the manager’s own events, and its else branch to a daemon’s, with an id', () => {
    expectTypeOf(isFleetEvent).guards.toEqualTypeOf<FleetEvent>();
    const route = (event: ManagerEvent): void => {
      if (isFleetEvent(event)) expectTypeOf(event).toEqualTypeOf<FleetEvent>();
      else expectTypeOf(event.id).toEqualTypeOf<string>();
    };
    expectTypeOf(route).toBeFunction();
  });

  it('isManagerTerminal narrows to the three terminal events', () => {
    expectTypeOf(isManagerTerminal).guards.toEqualTypeOf<ManagerRefusedEvent | ManagerClosedEvent | ManagerStoppedEvent>();
    const end = (event: ManagerEvent): void => {
      if (isManagerTerminal(event)) expectTypeOf(event.type).toEqualTypeOf<'manager-refused' | 'manager-closed' | 'manager-stopped'>();
    };
    expectTypeOf(end).toBeFunction();
  });
});
