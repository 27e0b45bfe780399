import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DesiredSet } from '../../lib/manager/service.js';
import { tasksOf } from '../../lib/process/limits.js';
import { useBundle } from '../helpers/bundle.js';
import { cliRuns, interrupt, nodeProgram } from '../helpers/cli.js';

const NOBODY = 65534;
const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
// What processHeadroom keeps free for the supervisor itself.
const RESERVE = 32;

const programs = useBundle();
const { sandbox, own, eventsOf } = cliRuns();

const sleeps = (...ids: string[]): DesiredSet => Object.fromEntries(ids.map((id) => [id, { command: 'sleep', args: ['30'] }]));

describe('a limit of the OS, on real processes', () => {
  it('root is past RLIMIT_NPROC, as the kernel lets it be: no limit is said, and its spawns all succeed', () => {
    const module = fileURLToPath(new URL('../../lib/process/limits.ts', import.meta.url));
    const script = `import { spawnSync } from 'node:child_process';
import { processHeadroom } from ${JSON.stringify(module)};
const spawned = Array.from({ length: 5 }, () => spawnSync('true').status);
console.log(JSON.stringify({ headroom: processHeadroom(50) ?? null, spawned }));`;
    const out = execFileSync('prlimit', ['--nproc=1:1', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ headroom: null, spawned: [0, 0, 0, 0, 0] });
  });

  it("a manager run as nobody under a low RLIMIT_NPROC holds what it has no room for, and starts the first held id once a daemon's stop frees room", async () => {
    chmodSync(sandbox().dir, 0o755);
    const data = sandbox().path('data');
    mkdirSync(data);
    chownSync(data, NOBODY, NOBODY);
    const desiredFile = sandbox().path('desired.json');
    const desire = (set: DesiredSet): void => {
      writeFileSync(desiredFile, JSON.stringify(set));
    };
    desire({});
    const manager = own(nodeProgram([programs.manager, data, desiredFile, '1000'], sandbox().dir, { uid: NOBODY, gid: NOBODY }));
    await manager.event('the first reconcile', (event) => event.type === 'reconcile');
    // Room for 2 more of nobody's tasks: the limit is set on the running manager (as nobody: lowering one's own limit needs no privilege).
    const limit = tasksOf(NOBODY) + RESERVE + 2;
    execFileSync(asNobody[0] ?? '', [...asNobody.slice(1), 'prlimit', '--pid', String(manager.pid), `--nproc=${limit}:${limit}`]);
    desire(sleeps('a', 'b', 'c', 'd'));
    manager.process.kill('SIGHUP');
    const reached = await manager.event('limit-reached', (event) => event.type === 'limit-reached');
    const printed = manager.events();
    // The reconcile says what it started just before the limit says what it holds.
    const reconcile = printed[printed.findIndex((event) => event.type === 'limit-reached') - 1];
    expect(reached).toMatchObject({ limit: 'RLIMIT_NPROC', value: limit });
    expect(reached.type === 'limit-reached' && reached.raise).toContain('LimitNPROC=');
    // The manager's own threads come and go: room for 2 may be 1 or 3 when it looks, never none nor all.
    const held = reached.type === 'limit-reached' ? reached.held : [];
    const started = ['a', 'b', 'c', 'd'].filter((id) => !held.includes(id));
    expect(held.length).toBeGreaterThan(0);
    expect(started).toContain('a');
    expect(held).toEqual(['a', 'b', 'c', 'd'].slice(started.length));
    expect(reconcile).toMatchObject({ type: 'reconcile', started });
    for (const id of started) await manager.event(`${id} started`, (event) => event.type === 'started' && event.id === id);

    // a leaves: its stop frees room, and the first held id is started at its end.
    desire(sleeps(...started.slice(1), ...held));
    manager.process.kill('SIGHUP');
    const first = held[0] ?? '';
    await manager.event(`${first} started`, (event) => event.type === 'started' && event.id === first, 10_000);
    const events = eventsOf(manager);
    const stoppedAt = events.findIndex((event) => event.type === 'stopped' && event.id === 'a');
    const spawnedAt = events.findIndex((event) => event.type === 'spawning' && event.id === first);
    expect(stoppedAt).toBeGreaterThan(-1);
    expect(spawnedAt).toBeGreaterThan(stoppedAt);
    expect(events.filter((event) => event.type === 'spawn-failed')).toEqual([]);
    await interrupt(manager);
  });
});
