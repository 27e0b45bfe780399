import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { populated$ } from '../../lib/process/cgroup/populated.js';
import { cgroupScopePerTest, emptied, noCgroups, populated, spawnJoined } from '../helpers/cgroup.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// populated$ on the real cgroup.events: inotify through fs.watch, no poll.

const cgroup = cgroupScopePerTest();
const sandbox = sandboxPerTest();

/** How many inotify watches this process holds on `path`, as the kernel lists them in the fdinfo of its inotify descriptors. */
const watchesOf = (path: string): number => {
  const ino = `ino:${statSync(path).ino.toString(16)} `;
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    })
    .flatMap((fd) => readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1').split('\n'))
    .filter((line) => line.startsWith('inotify ') && line.includes(ino)).length;
};

describe.skipIf(noCgroups !== undefined)(`populated$${noCgroups === undefined ? '' : ` (skipped: ${noCgroups})`}`, () => {
  it('says at once whether the cgroup is populated, then each change: a process joins, then the last one is killed', async () => {
    const web = cgroup().service('web');
    const seen: boolean[] = [];
    const subscription = populated$(web).subscribe((value) => seen.push(value));
    // The current value, synchronously on subscription.
    expect(seen).toEqual([false]);
    const child = spawnJoined(web, 'sleep', ['30']);
    sandbox().own(child.pid ?? -1);
    await waitFor('populated 1', () => seen.length === 2);
    child.kill('SIGKILL');
    await waitFor('populated 0', () => seen.length === 3);
    expect(seen).toEqual([false, true, false]);
    subscription.unsubscribe();
  });

  it('says nothing when one of several processes dies, only when the last one does', async () => {
    const web = cgroup().service('web');
    const [a, b] = [spawnJoined(web, 'sleep', ['30']), spawnJoined(web, 'sleep', ['30'])];
    for (const child of [a, b]) sandbox().own(child.pid ?? -1);
    await populated(web);
    const seen: boolean[] = [];
    const subscription = populated$(web).subscribe((value) => seen.push(value));
    const aGone = new Promise((resolve) => a.once('exit', resolve));
    a.kill('SIGKILL');
    await aGone;
    expect(seen).toEqual([true]);
    b.kill('SIGKILL');
    await waitFor('populated 0', () => seen.length === 2);
    expect(seen).toEqual([true, false]);
    subscription.unsubscribe();
  });

  it('a cgroup that is not there holds nothing: false, then it completes', async () => {
    const gone = `${cgroup().dir}/none`;
    expect(await firstValueFrom(populated$(gone).pipe(toArray()))).toEqual([false]);
  });

  it('holds one inotify watch while subscribed, and none once unsubscribed, also from inside its own emission', async () => {
    const web = cgroup().service('web');
    const events = `${web}/cgroup.events`;
    const subscription = populated$(web).subscribe();
    expect(watchesOf(events)).toBe(1);
    subscription.unsubscribe();
    expect(watchesOf(events)).toBe(0);
    // take(1) ends on the value read at subscription, and on a change told by the watch itself.
    expect(await firstValueFrom(populated$(web).pipe(take(1)))).toBe(false);
    const child = spawnJoined(web, 'sleep', ['30']);
    sandbox().own(child.pid ?? -1);
    await populated(web);
    child.kill('SIGKILL');
    await emptied(web);
    // Closed from inside its own event, the watch is let go once libuv has dispatched that event.
    await new Promise((resolve) => setImmediate(resolve));
    expect(watchesOf(events)).toBe(0);
  });
});
