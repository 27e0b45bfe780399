import { asyncScheduler, firstValueFrom, NEVER } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Check, CheckTarget } from '../../lib/checks/check.js';
import { attempt$, type Verdict } from '../../lib/checks/run-check.js';
import { testScheduler } from '../helpers/virtual-time.js';
import { hangingCheck } from './helpers.js';

const PASSED: Verdict = { ok: true };
const failed = (code: string, message: string): Verdict => ({ ok: false, error: { code, message } });

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** Marbles on one TestScheduler, with a check target on it. */
const inMarbles = (body: (helpers: Helpers, target: CheckTarget) => void): void => {
  const scheduler = testScheduler();
  scheduler.run((helpers) => {
    body(helpers, { pid: 2, scheduler });
  });
};

// One attempt of a check is one subscriber by hand (P8): these pin what the operator chain it replaced did.
describe('attempt$', () => {
  it('passes at the check’s first value and lets the check go then', () => {
    inMarbles(({ cold, expectObservable, expectSubscriptions }, target) => {
      const answers = cold('100ms a 100ms b');
      expectObservable(attempt$(() => answers, target, undefined)).toBe('100ms (p|)', { p: PASSED });
      expectSubscriptions(answers.subscriptions).toBe('^ 99ms !');
    });
  });

  it('passes on a completion without a value, fails with the code and message of an error', () => {
    inMarbles(({ cold, expectObservable }, target) => {
      expectObservable(attempt$(() => cold('50ms |'), target, undefined)).toBe('50ms (p|)', { p: PASSED });
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      expectObservable(attempt$(() => cold('20ms #', undefined, refused), target, undefined)).toBe('20ms (f|)', { f: failed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432') });
    });
  });

  it('fails at once on a check that throws, and keeps a long message to a line', () => {
    inMarbles(({ expectObservable }, target) => {
      const throws: Check = () => {
        throw Object.assign(new Error('x'.repeat(400)), { code: 'EBROKEN' });
      };
      expectObservable(attempt$(throws, target, 1_000)).toBe('(f|)', { f: failed('EBROKEN', `${'x'.repeat(299)}…`) });
    });
  });

  it('at timeoutMs, fails with ETIMEDOUT and lets the check go; a check that answers at that instant passes', () => {
    inMarbles(({ cold, expectObservable, expectSubscriptions }, target) => {
      const late = cold('600ms a');
      expectObservable(attempt$(() => late, target, 500)).toBe('500ms (f|)', { f: failed('ETIMEDOUT', 'no answer within 500 ms') });
      expectSubscriptions(late.subscriptions).toBe('^ 499ms !');
      expectObservable(attempt$(() => cold('500ms a'), target, 500)).toBe('500ms (p|)', { p: PASSED });
    });
  });

  it('an attempt unsubscribed before its verdict lets the check and its timeout go', () => {
    const scheduler = testScheduler();
    const hangs = hangingCheck();
    const subscription = attempt$(hangs.check, { pid: 2, scheduler }, 500).subscribe();
    expect(hangs.active()).toBe(1);
    subscription.unsubscribe();
    expect(hangs.active()).toBe(0);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('without timeoutMs, a check that never answers is never decided', () => {
    inMarbles(({ expectObservable }, target) => {
      expectObservable(attempt$(() => NEVER, target, undefined), '^ 3600s !').toBe('');
    });
  });

  it('reads a promise: resolved passes, rejected fails', async () => {
    const target: CheckTarget = { pid: 2, scheduler: asyncScheduler };
    expect(await firstValueFrom(attempt$(() => Promise.resolve('up'), target, undefined))).toEqual(PASSED);
    const refused = Object.assign(new Error('503'), { code: 'EHTTPSTATUS' });
    expect(await firstValueFrom(attempt$(() => Promise.reject(refused), target, undefined))).toEqual(failed('EHTTPSTATUS', '503'));
  });
});
