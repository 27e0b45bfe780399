import { realpathSync } from 'node:fs';
import type { Cgroups } from '../cgroups.js';
import { systemCgroupIo } from './cgroup-io.js';
import { childCgroups, procsOf } from './contents.js';
import { discoverCgroups } from './discovery.js';
import { killCgroup } from './kill.js';
import { createServiceCgroup, enterSupervisorLeaf, removeCgroup, scopeCgroupOf, SUPERVISOR_LEAF } from './layout.js';
import { applyLimits } from './limits.js';
import { readOomKills } from './oom-kills.js';
import { isPopulated, populated$ } from './populated.js';
import { readCgroupUsage } from './usage.js';

/** What `read` says, or `otherwise` when the cgroup cannot be read (EACCES): a question the seam answers, never throws on. */
const orElse = <T>(read: () => T, otherwise: T): T => {
  try {
    return read();
  } catch {
    return otherwise;
  }
};

/** The OS's cgroups: cgroupfs, as discovery finds it. */
export const systemCgroups: Cgroups = {
  discover: (root) => discoverCgroups(root === undefined ? {} : { root }),
  create: createServiceCgroup,
  list: (root, scope) => {
    // Outside orElse: a scope that is not one name is a caller's bug (TypeError), never "none".
    const dir = scopeCgroupOf(root, scope);
    return orElse(() => childCgroups(dir), []).filter((name) => name !== SUPERVISOR_LEAF);
  },
  remove: removeCgroup,
  limit: applyLimits,
  enterSupervisorLeaf,
  isPopulated,
  populated$,
  kill: killCgroup,
  // kindOf looks at the last component alone: a link on the way would lead somewhere else than the path says.
  isCgroup: (dir) => systemCgroupIo.kindOf(dir) === 'cgroup2' && orElse(() => realpathSync(dir) === dir, false),
  holds: (dir, pid) => orElse(() => procsOf(dir).includes(pid), false),
  usage: readCgroupUsage,
  oomKills: readOomKills,
};
