/**
 * The counts of a flat-keyed cgroup file (`cpu.stat`, `cgroup.events`,
 * `memory.events`: one `key value` a line), by key. A line whose value is
 * not a count is left out: the kernel's own files have none, so such a line
 * is not ours to guess at.
 *
 * @example
 * flatKeyed('populated 1\nfrozen 0\n').get('populated'); // 1
 */
export const flatKeyed = (text: string): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value, more] = line.split(' ');
    if (key !== undefined && value !== undefined && more === undefined && /^\d+$/.test(value)) counts.set(key, Number(value));
  }
  return counts;
};
