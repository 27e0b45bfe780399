/** How a delay is randomised: not at all, over [0, d) (`full`), or over [d/2, d) (`equal`). */
export type Jitter = 'none' | 'full' | 'equal';

/**
 * Applies jitter to a delay. `random` returns a number in [0, 1); it is a
 * parameter so a test can fix it.
 */
export const jittered = (delayMs: number, jitter: Jitter, random: () => number): number => {
  switch (jitter) {
    case 'none':
      return delayMs;
    case 'full':
      return Math.floor(random() * delayMs);
    case 'equal':
      return Math.floor(delayMs / 2 + (random() * delayMs) / 2);
  }
};
