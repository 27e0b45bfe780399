import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

// The package as npm ships it, installed into a project of its own.
let project: string;
let tarball: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'rxdaemon-consumer-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], ROOT)) as [{ filename: string; files: { path: string }[] }];
  tarball = join(project, packed[0].filename);
  shipped = packed[0].files.map((file) => file.path);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Dependencies come from npm's cache, filled by the `npm ci` that preceded the tests.
  run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
}, 180_000);
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});
let shipped: string[] = [];

describe('the packed package', () => {
  it('ships only dist, the README, the CHANGELOG, the license and package.json', () => {
    expect(shipped.every((path) => /^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(path))).toBe(true);
    expect(shipped).toContain('dist/index.js');
    expect(shipped).toContain('dist/index.d.ts');
    expect(shipped).toContain('dist/testing/index.d.ts');
    expect(shipped).toContain('dist/cli/main.js');
  });

  it('imports from ESM, and runs a daemon and a virtual-time test', () => {
    writeFileSync(
      join(project, 'consumer.mjs'),
      `import { Daemon, consulBackoff, supervise } from 'rxdaemon';
import { FakeDriver } from 'rxdaemon/testing';
import { TestScheduler } from 'rxjs/testing';
import { filter, map, take, toArray } from 'rxjs';
const daemon = new Daemon({ command: '/bin/true' }, { restart: consulBackoff({ freeAttempts: 1000 }) });
daemon.events$.pipe(filter((e) => e.type === 'exited'), take(3), toArray()).subscribe(async (exits) => {
  await daemon.stop();
  let attempts;
  new TestScheduler(() => {}).run(() => {
    supervise({ command: 'x' }, { driver: new FakeDriver({ exitAfterMs: 0, exitCode: 1 }) })
      .pipe(filter((e) => e.type === 'spawning'), map((e) => e.at), take(5), toArray())
      .subscribe((at) => (attempts = at));
  });
  console.log(JSON.stringify({ exits: exits.length, attempts }));
});
daemon.start();
`,
    );
    expect(JSON.parse(run(process.execPath, ['consumer.mjs'], project))).toEqual({ exits: 3, attempts: [0, 0, 0, 2000, 6000] });
  });

  it('gives its types to a strict TypeScript consumer', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { isRight } from 'fp-ts/lib/Either.js';
import { Daemon, manage, type DaemonEvent, type ManagerEvent, type RestartPolicy } from 'rxdaemon';
import { FakeDriver } from 'rxdaemon/testing';
import { of } from 'rxjs';
const policy: RestartPolicy = { stableAfterMs: 1000, next: ({ attempt }) => ({ kind: 'spawn', delayMs: attempt * 10 }) };
const daemon = new Daemon({ command: 'sleep', args: ['1'] }, { restart: policy, driver: new FakeDriver() });
const started = daemon.start();
const restored = Daemon.restore({}, {});
const describe = (event: DaemonEvent): string => (event.type === 'started' ? String(event.pid) : event.type);
manage(of({ a: { command: 'x' } })).subscribe((event: ManagerEvent) => event.type);
export const ok: [boolean, boolean, string] = [isRight(started), isRight(restored), describe({ type: 'stopped', at: 0 })];
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    expect(() => run(process.execPath, [TSC, '-p', project], project)).not.toThrow();
  });

  it('installs a runnable rxdaemon command', () => {
    expect(readdirSync(join(project, 'node_modules/.bin'))).toContain('rxdaemon');
    expect(run(join(project, 'node_modules/.bin/rxdaemon'), ['--help'], project)).toContain('rxdaemon manage --config FILE --data-dir DIR');
  });
});
