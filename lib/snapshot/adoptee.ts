import type { OutputOffsets } from '../process/processes.js';
import type { ProcessIdentity } from '../process/identity.js';

/**
 * A live process to adopt (`supervise`'s `adopt`, `Daemon.restore`): who it
 * is, and what its record tells of its run. Its `attempt` carries on (its
 * exit, and the spawn after it, count from there; 0 when unknown), and its
 * crash report reads its output files from `outputStart` on, so it holds
 * none of an earlier run's lines (from the start of each file when unknown).
 */
export interface Adoptee extends ProcessIdentity {
  readonly attempt?: number;
  readonly outputStart?: OutputOffsets;
}
