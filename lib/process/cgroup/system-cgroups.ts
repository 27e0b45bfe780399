import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Cgroups } from '../cgroups.js';
import { systemCgroupIo } from './cgroup-io.js';
import { discoverCgroups } from './discovery.js';
import { killCgroup } from './kill.js';
import { createServiceCgroup, enterSupervisorLeaf, removeCgroup, scopeCgroupOf, SUPERVISOR_LEAF } from './layout.js';
import { applyLimits } from './limits.js';
import { readOomKills } from './oom-kills.js';
import { isPopulated, populated$ } from './populated.js';
import { readCgroupUsage } from './usage.js';

/** The names of the cgroups directly below `dir`; none when it is not there. */
const childCgroups = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
};

/** The OS's cgroups: cgroupfs, as discovery finds it. */
export const systemCgroups: Cgroups = {
  discover: (root) => discoverCgroups(root === undefined ? {} : { root }),
  create: createServiceCgroup,
  list: (root, scope) => childCgroups(scopeCgroupOf(root, scope)).filter((name) => name !== SUPERVISOR_LEAF),
  remove: removeCgroup,
  limit: applyLimits,
  enterSupervisorLeaf,
  isPopulated,
  populated$,
  kill: killCgroup,
  isCgroup: (dir) => {
    if (systemCgroupIo.kindOf(dir) !== 'cgroup2') return false;
    // kindOf looks at the last component alone: a link on the way would lead somewhere else than the path says.
    try {
      return realpathSync(dir) === dir;
    } catch {
      return false;
    }
  },
  holds: (dir, pid) => {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').includes(String(pid));
    } catch {
      return false;
    }
  },
  usage: readCgroupUsage,
  oomKills: readOomKills,
};
