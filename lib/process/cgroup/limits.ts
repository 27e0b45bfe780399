import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { check, checkPositiveInteger, CoreShare } from '../../validate.js';
import type { FileProblem } from '../../fs/file-problem.js';
import { problem } from '../../fs/problem.js';
import type { CgroupHierarchy } from './discovery.js';

/** The limits a service may have (DESIGN's `memoryMax`, `cpuMax`, `pidsMax`). */
export interface CgroupLimits {
  /** Bytes of memory: `memory.max`. */
  readonly memoryMax?: number;
  /** A share of one core (0.5 is half of one, 2 is two): `cpu.max`. */
  readonly cpuMax?: number;
  /** Processes and threads: `pids.max`. */
  readonly pidsMax?: number;
}

/** The controllers that limits need. */
export const LIMIT_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;

/** A controller that a limit needs. */
export type LimitController = (typeof LIMIT_CONTROLLERS)[number];

/** One file of a service's cgroup to write for a limit, and the controller that provides it. */
export interface LimitWrite {
  readonly option: keyof CgroupLimits;
  readonly controller: LimitController;
  readonly file: string;
  readonly value: string;
}

/** A limit that cannot apply: its controller is not delegated. Never dropped silently. */
export interface LimitsRefused {
  readonly code: 'ELIMITS';
  readonly option: keyof CgroupLimits;
  readonly controller: LimitController;
  readonly message: string;
}

/** The period of `cpu.max`, in µs: the kernel's default. */
const CPU_PERIOD_USEC = 100_000;

/**
 * The files to write in a service's cgroup for its limits, each with the
 * controller that must be enabled for it: `memory.max` (bytes), `cpu.max`
 * (`cpuMax` × 100 000 µs of every 100 000 µs: 0.5 is `50000 100000`),
 * `pids.max`. Pure. Throws a TypeError for a value that is not one (a
 * caller's bug, checked where options enter).
 *
 * @example
 * limitWrites({ cpuMax: 0.5 }); // [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: '50000 100000' }]
 */
export const limitWrites = ({ memoryMax, cpuMax, pidsMax }: CgroupLimits): LimitWrite[] => [
  ...(memoryMax === undefined ? [] : [{ option: 'memoryMax', controller: 'memory', file: 'memory.max', value: String(checkPositiveInteger('memoryMax', memoryMax)) } as const]),
  ...(cpuMax === undefined
    ? []
    : [{ option: 'cpuMax', controller: 'cpu', file: 'cpu.max', value: `${Math.round(check('cpuMax', cpuMax, CoreShare) * CPU_PERIOD_USEC)} ${CPU_PERIOD_USEC}` } as const]),
  ...(pidsMax === undefined ? [] : [{ option: 'pidsMax', controller: 'pids', file: 'pids.max', value: String(checkPositiveInteger('pidsMax', pidsMax)) } as const]),
];

/**
 * The writes that lift each limit of `before` that `now` no longer sets:
 * its file back to `max` (for `cpu.max`, the quota; the period stays), so
 * a limit removed from a service's definition is not left in its cgroup.
 * Pure.
 *
 * @example
 * limitResets(limitWrites({ memoryMax: 2 ** 28, pidsMax: 64 }), limitWrites({ pidsMax: 64 }));
 * // [{ option: 'memoryMax', controller: 'memory', file: 'memory.max', value: 'max' }]
 */
export const limitResets = (before: readonly LimitWrite[], now: readonly LimitWrite[]): LimitWrite[] =>
  before.filter(({ option }) => !now.some((write) => write.option === option)).map((write) => ({ ...write, value: 'max' }));

/**
 * The controllers to enable for `writes`, or the first limit whose
 * controller the cgroup root neither has enabled for its children
 * (`cgroup.subtree_control`) nor may enable (`cgroup.controllers`): a Left
 * with `code: 'ELIMITS'` that names the option and the controller. Pure.
 *
 * @example
 * limitControllers(limitWrites({ memoryMax: 2 ** 28 }), { root: '/sys/fs/cgroup/unified', controllers: ['hugetlb'], subtreeControl: [] });
 * // left({ code: 'ELIMITS', option: 'memoryMax', controller: 'memory', message: 'memoryMax needs the memory controller, …' })
 */
export const limitControllers = (
  writes: readonly LimitWrite[],
  { root, controllers, subtreeControl }: Pick<CgroupHierarchy, 'root' | 'controllers' | 'subtreeControl'>,
): Either<LimitsRefused, LimitController[]> => {
  const missing = writes.find(({ controller }) => !subtreeControl.includes(controller) && !controllers.includes(controller));
  if (missing !== undefined) {
    const { option, controller } = missing;
    const has = controllers.length === 0 ? 'none' : controllers.join(' ');
    return left({ code: 'ELIMITS', option, controller, message: `${option} needs the ${controller} controller, which is not delegated to ${root} (its cgroup.controllers: ${has})` });
  }
  return right([...new Set(writes.map(({ controller }) => controller))]);
};

/**
 * Enables `controllers` for the children of each of `parents` (top down:
 * the cgroup root, then the scope), then writes each limit into the
 * service's cgroup. A parent that holds processes cannot enable
 * controllers (the kernel's no-internal-process rule: see
 * `supervisorLeafNeeded`). Left names the file and the OS's reason.
 */
export const applyLimits = (parents: readonly string[], controllers: readonly LimitController[], service: string, writes: readonly LimitWrite[]): Either<FileProblem, void> => {
  const steps = [
    ...(controllers.length === 0 ? [] : parents.map((parent) => [join(parent, 'cgroup.subtree_control'), controllers.map((controller) => `+${controller}`).join(' ')] as const)),
    ...writes.map(({ file, value }) => [join(service, file), value] as const),
  ];
  for (const [file, value] of steps) {
    try {
      writeFileSync(file, value);
    } catch (error) {
      return left(problem('write', file, error));
    }
  }
  return right(undefined);
};
