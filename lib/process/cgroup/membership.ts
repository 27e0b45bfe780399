/**
 * The cgroup v2 path of a process, from its /proc/<pid>/cgroup: the `0::`
 * line's path (`/` or `/system.slice/x.service`), relative to the root of
 * its cgroup namespace; undefined when it has none (a kernel without cgroup
 * v2, or a v1-only layout) or when the process's cgroup lies outside its
 * namespace (the kernel then shows `/..`), where no path of ours reaches it.
 *
 * @example
 * unifiedPathOf('4:memory:/a\n0::/system.slice/app.service\n'); // '/system.slice/app.service'
 */
export const unifiedPathOf = (procCgroup: string): string | undefined => {
  const path = /^0::(\/.*)$/m.exec(procCgroup)?.[1];
  return path === undefined || path.split('/').includes('..') ? undefined : path;
};
