import { asyncScheduler, defer, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { screenOf, watch$ } from '../../lib/cli/status-watch.js';
import { testScheduler } from '../helpers/virtual-time.js';

// Inside run(), asyncScheduler's timers are virtual: the scheduler the command passes is the one the spec drives.
const EVERY_SECOND = { periodMs: 1_000, scheduler: asyncScheduler };

describe('status --watch: a look at once, then one a second (virtual time)', () => {
  it('a look that answers at once: a frame at 0, 1 s, 2 s, 3 s', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const look = cold('(x|)');
      let n = 0;
      const frames$ = watch$(() => look.pipe(map(() => n++)), EVERY_SECOND).pipe(take(4));
      // '(x|)'-style groups take no frames here: each value is one frame, so 999ms brings the next to the second.
      expectObservable(frames$).toBe('a 999ms b 999ms c 999ms (d|)', { a: 0, b: 1, c: 2, d: 3 });
      expectSubscriptions(look.subscriptions).toBe(['(^!)', '1000ms (^!)', '2000ms (^!)', '3000ms (^!)']);
    });
  });

  it('a look slower than a second is let finish, and the tick it overran skipped: no looks pile up', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const look = cold('1500ms (x|)');
      const frames$ = watch$(() => look, EVERY_SECOND).pipe(take(2));
      // Looks at 0 (answered at 1.5 s) and at 2 s (answered at 3.5 s); the tick at 1 s came while the first was under way.
      expectObservable(frames$).toBe('1500ms x 1999ms (x|)');
      expectSubscriptions(look.subscriptions).toBe(['^ 1499ms !', '2000ms ^ 1499ms !']);
    });
  });

  it('never ends by itself; unsubscribing (Ctrl-C) ends the look under way', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const look = cold('500ms (x|)');
      expectObservable(defer(() => watch$(() => look, EVERY_SECOND)), '^ 2700ms !').toBe('500ms x 999ms x 999ms x');
      expectSubscriptions(look.subscriptions).toBe(['^ 499ms !', '1000ms ^ 499ms !', '2000ms ^ 499ms !']);
    });
  });
});

describe('status --watch draws on a terminal, and prints whole frames elsewhere', () => {
  it('on a terminal: cursor hidden and screen cleared once, each frame drawn from the top over the last, the cursor shown at the end', () => {
    const screen = screenOf(true);
    expect(screen.frame('head\nrow\n', true)).toBe('\u001B[?25l\u001B[2J\u001B[Hhead\u001B[K\nrow\u001B[K\n\u001B[J');
    expect(screen.frame('head\n', false)).toBe('\u001B[Hhead\u001B[K\n\u001B[J');
    expect(screen.end).toBe('\u001B[?25h');
  });

  it('in a pipe: no escape at all, each frame whole, a blank line between two', () => {
    const screen = screenOf(false);
    expect(screen.frame('head\nrow\n', true) + screen.frame('head\nrow\n', false) + screen.end).toBe('head\nrow\n\nhead\nrow\n');
  });
});
