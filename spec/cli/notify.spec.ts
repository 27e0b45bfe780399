import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { of, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { notifications$, notifySettingsOf, notifySystemd$, type NotifyMessage } from '../../lib/cli/notify.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { testScheduler } from '../helpers/virtual-time.js';

const EVENTS: Record<string, ManagerEvent> = {
  r: { type: 'reconcile', at: 0, started: [], stopped: [], replaced: [], unchanged: 0 },
  x: { type: 'manager-refused', at: 0, code: 'ELOCKED', message: 'locked' },
};
const SAID = { R: 'READY=1', W: 'WATCHDOG=1' } as const;

describe('notifications$: what the manager tells systemd, and when', () => {
  it('READY=1 when the first reconcile event is emitted, not again; WATCHDOG=1 every half of WATCHDOG_USEC until the manager ends', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      // Reconciles at 3 and 9, the end at 35; a watchdog of 20 ms: a ping at 10, 20, 30.
      const events$ = hot<ManagerEvent>('---r 5ms r 25ms |', EVENTS);
      expectObservable(notifications$(events$, { watchdogMs: 20, scheduler })).toBe('---R 6ms W 9ms W 9ms W 4ms |', SAID);
    });
  });

  it('pings before the first reconcile too: a long restore of adopted daemons must not trip the watchdog', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const events$ = hot<ManagerEvent>('25ms r 8ms |', EVENTS);
      expectObservable(notifications$(events$, { watchdogMs: 20, scheduler })).toBe('10ms W 9ms W 4ms R 4ms W 3ms |', SAID);
    });
  });

  it('without a watchdog, READY=1 alone, and then nothing more to say', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      expectObservable(notifications$(hot<ManagerEvent>('-r 50ms r 50ms |', EVENTS), { watchdogMs: undefined, scheduler })).toBe('-(R|)', SAID);
    });
  });

  it('a manager refused at start (no reconcile) is never READY=1, and its pings end with it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      expectObservable(notifications$(hot<ManagerEvent>('15ms x|', EVENTS), { watchdogMs: 20, scheduler })).toBe('10ms W 5ms |', SAID);
    });
  });

  it('pings stop when the manager\'s stream fails (a bug): systemd then restarts a manager that no longer manages', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      expectObservable(notifications$(hot<ManagerEvent>('-r 20ms #', EVENTS), { watchdogMs: 20, scheduler })).toBe('-R 8ms W 9ms W 1ms |', SAID);
    });
  });
});

describe('notifySystemd$: each message through the notifier; the first failure said once, and the manager goes on', () => {
  const run = (answer: (message: NotifyMessage, n: number) => Either<string, void>) => {
    const sent: string[] = [];
    const said: string[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ hot }) => {
      const events$ = hot<ManagerEvent>('5ms r 40ms |', EVENTS);
      const notify = (message: NotifyMessage): Observable<Either<string, void>> => {
        sent.push(`${message}@${scheduler.now()}`);
        return of(answer(message, sent.length));
      };
      notifySystemd$(events$, { watchdogMs: 20, notify, scheduler }).subscribe((message) => said.push(`${message}@${scheduler.now()}`));
    });
    return { sent, said };
  };

  it('sends every message, in order, and says nothing when all are told', () => {
    expect(run(() => right(undefined))).toEqual({ sent: ['READY=1@5', 'WATCHDOG=1@10', 'WATCHDOG=1@20', 'WATCHDOG=1@30', 'WATCHDOG=1@40'], said: [] });
  });

  it('says the first failure only, and keeps sending: a later ping may be told', () => {
    const { sent, said } = run((message, n) => (n === 1 ? right(undefined) : left(`failed ${message} #${n}`)));
    expect(sent).toHaveLength(5);
    expect(said).toEqual(['failed WATCHDOG=1 #2@10']);
  });
});

describe('notifySettingsOf: NOTIFY_SOCKET and the watchdog, as sd_notify and sd_watchdog_enabled read them', () => {
  it.each([
    ['no NOTIFY_SOCKET: nothing', {}, undefined],
    ['an empty NOTIFY_SOCKET: nothing', { NOTIFY_SOCKET: '' }, undefined],
    ['a socket without a watchdog', { NOTIFY_SOCKET: '/run/systemd/notify' }, { socket: '/run/systemd/notify', watchdogMs: undefined }],
    ['an abstract socket, and a watchdog of 30 s', { NOTIFY_SOCKET: '@/org/x', WATCHDOG_USEC: '30000000' }, { socket: '@/org/x', watchdogMs: 30_000 }],
    ['a watchdog for this pid', { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '812' }, { socket: '/s', watchdogMs: 30_000 }],
    ['a watchdog for another pid (a wrapper\'s) is not ours', { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, { socket: '/s', watchdogMs: undefined }],
    ['a WATCHDOG_USEC that is not a positive number is none', { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: 'soon' }, { socket: '/s', watchdogMs: undefined }],
    ['a WATCHDOG_USEC of 0 is none', { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '0' }, { socket: '/s', watchdogMs: undefined }],
  ])('%s', (_, env, settings) => {
    expect(notifySettingsOf(env, 812)).toEqual(settings);
  });
});
