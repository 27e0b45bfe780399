import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchors, links } from '../helpers/markdown.js';
import { pack, type Packed } from '../helpers/packed.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

// The package as npm ships it, installed into a project of its own that has
// its own RxJS 7, as a user's agent does.
let project: string;
let packed: Packed;
let shipped: string[] = [];
let manifest: {
  version: string;
  engines?: Record<string, string>;
  repository?: { url: string };
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'rxdaemon-consumer-'));
  packed = pack(project);
  shipped = packed.files.map((file) => file.path);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { rxjs: '^7.8.0' } }));
  // Dependencies come from npm's cache, filled by the `npm ci` that preceded the tests.
  run('npm', ['install', packed.tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
  manifest = JSON.parse(readFileSync(join(project, 'node_modules/rxdaemon/package.json'), 'utf8')) as typeof manifest;
}, 300_000);
const installed = (path: string): string => join(project, 'node_modules/rxdaemon', path);
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

/** Every copy of `name` installed anywhere in the consumer's tree, as paths relative to the project. */
const copiesOf = (name: string): string[] => {
  const found: string[] = [];
  const walk = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      const packages = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((scoped) => join(entry, scoped)) : [entry];
      for (const pkg of packages) {
        if (pkg === name) found.push(join(modules, pkg).slice(project.length + 1));
        walk(join(modules, pkg, 'node_modules'));
      }
    }
  };
  walk(join(project, 'node_modules'));
  return found;
};

describe('the packed package', () => {
  it('ships dist, the README and its docs/ (not the contributors’ pages), the license and package.json: no sources, no maps, no changelog', () => {
    expect(shipped.filter((path) => !/^(dist\/.*\.(js|d\.ts|d\.cts)|docs\/.*\.md|README\.md|LICENSE|package\.json)$/.test(path))).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/testing/index.d.ts', 'dist/testing/index.d.cts', 'dist/cli/main.js', 'docs/api.md']));
    expect(shipped).not.toContain('docs/contributing.md');
    expect(shipped).not.toContain('docs/architecture.md');
  });

  it('weighs at most 250 kB packed, in at most 150 files', () => {
    expect(packed.size).toBeLessThanOrEqual(250_000);
    expect(shipped.length).toBeLessThanOrEqual(150);
  });

  it('ships the declarations its two entry points reach, and no other', () => {
    const entries = ['dist/index.d.ts', 'dist/testing/index.d.ts'].map(installed);
    const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: [] });
    const reached = new Set(program.getSourceFiles().map((file) => normalize(file.fileName)));
    const declarations = shipped.filter((path) => path.endsWith('.d.ts'));
    expect(declarations.filter((path) => !reached.has(installed(path)))).toEqual([]);
    // The library's, not the command line's: no export reaches a file of dist/cli.
    expect(declarations.filter((path) => path.startsWith('dist/cli/'))).toEqual([]);
  });

  it('runs no script when it is installed: it is built before it is packed', () => {
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => /^(pre|post)?install$|^prepare$/.test(name))).toEqual([]);
    expect(manifest.scripts?.prepack).toBe('npm run build');
  });

  it('asks for the Node versions that import and require it: ^20.19 || >=22.12', () => {
    expect(manifest.engines).toEqual({ node: '^20.19.0 || >=22.12.0' });
  });

  it('links each shipped page to a file and heading it ships, or to its repository', () => {
    const repository = (manifest.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
    expect(repository).toMatch(/^https:\/\/github\.com\//);
    const broken = shipped
      .filter((path) => path.endsWith('.md'))
      .flatMap((page) =>
        links(readFileSync(installed(page), 'utf8')).flatMap(({ target, number }) => {
          const where = `${page}:${String(number)}: ${target}`;
          // The repository's own pages are linked as GitHub shows them, under the package's `repository`.
          if (/^https:\/\/github\.com\//.test(target)) return target.startsWith(`${repository}/`) ? [] : [`${where} (not this package's repository, ${repository})`];
          if (/^[a-z][a-z\d+.-]*:/i.test(target)) return [];
          const [path = '', anchor] = target.split('#');
          const file = path === '' ? page : normalize(join(dirname(page), path));
          if (!shipped.includes(file)) return [`${where} (not in the package)`];
          return anchor === undefined || anchors(readFileSync(installed(file), 'utf8')).has(anchor) ? [] : [`${where} (no such heading)`];
        }),
      );
    expect(broken).toEqual([]);
  });

  it('takes RxJS and fp-ts from its user: one copy of each, shared with the user’s own', () => {
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(['fp-ts', 'rxjs']);
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('rxjs');
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('fp-ts');
    expect(copiesOf('rxjs')).toEqual(['node_modules/rxjs']);
    expect(copiesOf('fp-ts')).toEqual(['node_modules/fp-ts']);
  });

  it('imports from ESM, and runs a daemon and the user’s own marble test against its pipeline', () => {
    writeFileSync(
      join(project, 'consumer.mjs'),
      `import { deepStrictEqual } from 'node:assert';
import { Daemon, consulBackoff, supervise } from 'rxdaemon';
import { FakeDriver } from 'rxdaemon/testing';
import { TestScheduler } from 'rxjs/testing';
import { Observable, filter, map, take, toArray } from 'rxjs';
const daemon = new Daemon({ command: '/bin/true' }, { restart: consulBackoff({ freeAttempts: 1000 }) });
daemon.events$.pipe(filter((e) => e.type === 'exited'), take(3), toArray()).subscribe(async (exits) => {
  await daemon.stop();
  // docs/testing.md's marble test: the user's TestScheduler must drive rxdaemon's time.
  let marbles = 'passed';
  try {
    new TestScheduler(deepStrictEqual).run(({ expectObservable }) => {
      const driver = new FakeDriver({ exitAfterMs: 0, exitCode: 1 });
      const spawns$ = supervise({ command: 'x' }, { driver }).pipe(
        filter((e) => e.type === 'spawning'), map((e) => e.attempt), take(4));
      expectObservable(spawns$).toBe('(abc) 1995ms (d|)', { a: 1, b: 2, c: 3, d: 4 });
    });
  } catch (error) {
    marbles = error.message;
  }
  console.log(JSON.stringify({ exits: exits.length, marbles, observable: supervise({ command: 'x' }) instanceof Observable }));
});
daemon.start();
`,
    );
    expect(JSON.parse(run(process.execPath, ['consumer.mjs'], project))).toEqual({ exits: 3, marbles: 'passed', observable: true });
  });

  it('can be required from CommonJS (Node ≥ 20.19, 22.12), sharing the user’s RxJS', () => {
    writeFileSync(
      join(project, 'consumer.cjs'),
      `const { supervise, consulBackoff } = require('rxdaemon');
const { FakeDriver } = require('rxdaemon/testing');
const { Observable, filter, map, take, toArray } = require('rxjs');
const { TestScheduler } = require('rxjs/testing');
let attempts;
new TestScheduler(() => {}).run(() => {
  supervise({ command: 'x' }, { driver: new FakeDriver({ exitAfterMs: 0, exitCode: 1 }), restart: consulBackoff() })
    .pipe(filter((e) => e.type === 'spawning'), map((e) => e.at), take(5), toArray())
    .subscribe((at) => (attempts = at));
});
console.log(JSON.stringify({ attempts, observable: supervise({ command: 'x' }) instanceof Observable }));
`,
    );
    expect(JSON.parse(run(process.execPath, ['consumer.cjs'], project))).toEqual({ attempts: [0, 0, 0, 2000, 6000], observable: true });
  });

  it('gives its types to a strict TypeScript consumer', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { isRight } from 'fp-ts/lib/Either.js';
import { Daemon, execaDriver, manage, type DaemonEvent, type ManagerEvent, type ProcessDriver, type RestartPolicy } from 'rxdaemon';
import { FakeDriver } from 'rxdaemon/testing';
import { of } from 'rxjs';
const policy: RestartPolicy = { stableAfterMs: 1000, next: ({ attempt }) => ({ kind: 'spawn', delayMs: attempt * 10 }) };
const daemon = new Daemon({ command: 'sleep', args: ['1'] }, { restart: policy, driver: new FakeDriver() });
const started = daemon.start();
const restored = Daemon.restore({}, {});
const describe = (event: DaemonEvent): string => (event.type === 'started' ? String(event.pid) : event.type);
manage(of({ a: { command: 'x' } })).subscribe((event: ManagerEvent) => event.type);
export const viaExeca: Promise<ProcessDriver> = execaDriver();
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
  }, 120_000);

  it('loads no execa until execaDriver() is called, whose driver then runs a daemon', () => {
    // A loader hook (node:module register) writes down every module loaded through the ESM loader.
    writeFileSync(
      join(project, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.MODULE_LOG, url + '\\n');
  return next(url, context);
}
`,
    );
    writeFileSync(join(project, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    writeFileSync(
      join(project, 'lazy.mjs'),
      `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Daemon, execaDriver, noRestart } from 'rxdaemon';
import { filter, firstValueFrom } from 'rxjs';
// What is require()d (rxdaemon takes io-ts and fp-ts so) passes no loader hook: it is in require's cache.
appendFileSync(process.env.MODULE_LOG, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n--- imported\\n');
const daemon = new Daemon({ command: '/bin/sh', args: ['-c', 'exit 3'] }, { driver: await execaDriver(), restart: noRestart });
const exited = firstValueFrom(daemon.events$.pipe(filter((e) => e.type === 'exited')));
daemon.start();
console.log(JSON.stringify({ code: (await exited).code }));
`,
    );
    const log = join(project, 'modules.log');
    const out = run(process.execPath, ['--import', './register.mjs', 'lazy.mjs'], project, { ...process.env, MODULE_LOG: log });
    expect(JSON.parse(out)).toEqual({ code: 3 });
    const [atImport = '', afterDriver = ''] = readFileSync(log, 'utf8').split('--- imported\n');
    const packagesIn = (urls: string): string[] => [...new Set([...urls.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((match) => match[1] ?? ''))].sort();
    // What `import 'rxdaemon'` loads: rxdaemon and what it cannot work without.
    expect(packagesIn(atImport)).toEqual(['fp-ts', 'io-ts', 'rxdaemon', 'rxjs']);
    // P7: the library is index.js and the few chunks it shares with rxdaemon/testing and the CLI's commands (never
    // a command's own code), and none of node's network, crypto or process modules loads before its first use.
    const loaded = atImport.split('\n').filter((url) => url.includes('/node_modules/rxdaemon/'));
    expect(loaded[0]).toMatch(/\/dist\/index\.js$/);
    expect(loaded.slice(1).every((url) => /\/dist\/chunks\/chunk-\w+\.js$/.test(url))).toBe(true);
    expect(loaded.length).toBeLessThanOrEqual(5);
    expect(atImport.split('\n').filter((url) => /^node:(http|https|net|tls|crypto|child_process)$/.test(url))).toEqual([]);
    expect(packagesIn(afterDriver)).toContain('execa');
  });

  it('installs a runnable rxdaemon command that tells its version', () => {
    expect(readdirSync(join(project, 'node_modules/.bin'))).toContain('rxdaemon');
    const bin = join(project, 'node_modules/.bin/rxdaemon');
    expect(run(bin, ['--help'], project)).toContain('rxdaemon manage [--config FILE]');
    expect(run(bin, ['--version'], project)).toBe(`${manifest.version}\n`);
    expect(run(bin, ['-v'], project)).toBe(`${manifest.version}\n`);
  });
});
