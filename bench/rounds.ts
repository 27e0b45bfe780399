// Subjects measured in rounds, each round bracketed by two runs of the
// baseline, the ratio of each subject taken within its round: a slow moment
// of a shared machine then weighs on both sides of a ratio alike.

/** Each run of the baseline and of each subject (ms per cycle), and each subject's ratio within its round. */
export interface RoundResults<S extends string> {
  readonly baseline: number[];
  readonly ms: Record<S, number[]>;
  readonly ratios: Record<S, number[]>;
}

/** Runs the baseline, then every subject in order, then the baseline again, `rounds` times. */
export const inRounds = async <S extends string>(rounds: number, baseline: () => Promise<number>, subjects: Readonly<Record<S, () => Promise<number>>>): Promise<RoundResults<S>> => {
  const names = Object.keys(subjects) as S[];
  const results: RoundResults<S> = {
    baseline: [],
    ms: Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<S, number[]>,
    ratios: Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<S, number[]>,
  };
  for (let round = 0; round < rounds; round++) {
    const before = await baseline();
    const values = new Map<S, number>();
    for (const name of names) values.set(name, await subjects[name]());
    const base = (before + (await baseline())) / 2;
    results.baseline.push(base);
    for (const [name, value] of values) {
      results.ms[name].push(value);
      results.ratios[name].push(value / base);
    }
  }
  return results;
};
