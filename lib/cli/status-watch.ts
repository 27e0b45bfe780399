import { exhaustMap, timer, type Observable, type SchedulerLike } from 'rxjs';

/** How often `rxdaemon status --watch` looks. */
export const WATCH_PERIOD_MS = 1_000;

/**
 * `rxdaemon status --watch`'s cadence: a look at once, then one every
 * `periodMs` on `scheduler`, each emitting what `look` found. A look still
 * under way when the next is due (a manager slow to answer) is let finish,
 * and that tick skipped, so looks never pile up. Never completes; stops
 * when unsubscribed (Ctrl-C).
 *
 * @example
 * watch$(() => look$(dataDir, asyncScheduler), { periodMs: 1_000, scheduler: asyncScheduler }).subscribe(draw);
 */
export const watch$ = <T>(look: () => Observable<T>, { periodMs, scheduler }: { readonly periodMs: number; readonly scheduler: SchedulerLike }): Observable<T> =>
  timer(0, periodMs, scheduler).pipe(exhaustMap(look));

// ANSI (VT100) sequences of a full-screen redraw, as `watch` and `top` draw.
const CSI = '\u001B[';
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;
const CLEAR_SCREEN = `${CSI}2J`;
const HOME = `${CSI}H`;
const CLEAR_TO_LINE_END = `${CSI}K`;
const CLEAR_BELOW = `${CSI}J`;

/**
 * How each look's text is written. On a terminal: the cursor hidden and the
 * screen cleared once, then each frame drawn over the last from the top
 * (each line cleared past its end, and what is below it, so a shorter frame
 * leaves nothing behind: no flicker of a full clear), and the cursor shown
 * again at the end. Elsewhere (a pipe, a file): each frame printed whole, a
 * blank line between two.
 *
 * @example
 * const screen = screenOf(process.stdout.isTTY === true);
 * writeOut(screen.frame('manager 812 · up 3s\nno daemons\n', true));
 */
export const screenOf = (tty: boolean): { readonly frame: (text: string, first: boolean) => string; readonly end: string } =>
  tty
    ? { frame: (text, first) => `${first ? HIDE_CURSOR + CLEAR_SCREEN : ''}${HOME}${text.replaceAll('\n', `${CLEAR_TO_LINE_END}\n`)}${CLEAR_BELOW}`, end: SHOW_CURSOR }
    : { frame: (text, first) => (first ? text : `\n${text}`), end: '' };
