import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pack } from '../helpers/packed.js';

// A user's project, made from the packed tarball as npm would install it
// from the registry, with RxJS, fp-ts and TypeScript from the registry
// too: the README's and docs/' TypeScript examples type-check in it under
// each setting a user may have (TypeScript 5 and the newest, a strict
// tsconfig as `tsc --init` writes it, with `exactOptionalPropertyTypes`
// and `skipLibCheck: false`, no @types/node, `moduleResolution` node16,
// nodenext and bundler, a CommonJS file that requires rxdaemon).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** TypeScript versions, each installed under an alias of its own in the one project. */
const TYPESCRIPTS = { 'typescript-5': '~5.9.0', 'typescript-6': '~6.0.0', 'typescript-newest': 'latest' } as const;
type Alias = keyof typeof TYPESCRIPTS;

/** Whether npm's registry answers: this spec installs from it, and without it says so and skips. */
const registryAnswers = (): boolean => {
  const answer = spawnSync('npm', ['view', 'typescript@latest', 'version'], { encoding: 'utf8', timeout: 30_000 });
  return answer.status === 0 && /^\d+\.\d+\.\d+/.test(answer.stdout);
};
const online = registryAnswers();
if (!online) console.warn('consumer.spec: the npm registry cannot be reached, so no consumer project is built: every case of this file is skipped');

// What `tsc --init` of TypeScript 6 and 7 writes (a new project's settings: `types: []`, so no @types/node,
// `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`, `verbatimModuleSyntax`), checking libraries too.
const INIT = {
  target: 'esnext',
  types: [],
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  strict: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: 'force',
  skipLibCheck: false,
  noEmit: true,
};

/** An example, as a file of the project: its name, where it comes from, and whether it needs Node's own types. */
interface Example {
  readonly file: string;
  readonly from: string;
  readonly node: boolean;
}

/**
 * The ```ts blocks of the shipped README and docs/, each a module of its own.
 * A block is meant to compile as written, imports included; one fenced as
 * ```ts partial is a fragment and is left out.
 */
const examplesOf = (pkg: string, into: string): Example[] => {
  const pages = ['README.md', ...readdirSync(join(pkg, 'docs')).map((name) => `docs/${name}`)].filter((page) => page.endsWith('.md'));
  return pages.flatMap((page) => {
    const blocks: Example[] = [];
    let open: { readonly line: number; readonly text: string[] } | undefined;
    readFileSync(join(pkg, page), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (open === undefined) {
          if (/^```ts\s*$/.test(line)) open = { line: index + 1, text: [] };
        } else if (/^```\s*$/.test(line)) {
          const text = open.text.join('\n');
          const file = `${page.replace(/\W/g, '-')}-${String(open.line)}.ts`;
          writeFileSync(join(into, file), `${text}\n`);
          // Code that uses Node's globals or modules needs @types/node, as it would in a user's project.
          blocks.push({ file, from: `${page}:${String(open.line)}`, node: /\bprocess\.|from 'node:/.test(text) });
          open = undefined;
        } else {
          open.text.push(line);
        }
      });
    return blocks;
  });
};

// A `.cts` file of a CommonJS project: `import = require()` (what verbatimModuleSyntax wants there), the
// library's values and types, and the testing entry.
const COMMONJS_CONSUMER = `import rxdaemon = require('rxdaemon');
import testing = require('rxdaemon/testing');

const policy: rxdaemon.RestartPolicy = rxdaemon.limitRestarts(rxdaemon.consulBackoff(), { max: 5, withinMs: 60_000 });
const signal: rxdaemon.Signal = 'SIGTERM';
const daemon: rxdaemon.Daemon = new rxdaemon.Daemon({ command: 'x' }, { restart: policy, stopSignal: signal, driver: new testing.FakeDriver() });
const status: rxdaemon.DaemonStatus = daemon.state.status;
const describe = (event: rxdaemon.DaemonEvent): string => (event.type === 'exited' ? \`\${event.type} \${String(event.signal)}\` : event.type);

export = { status, describe: describe({ type: 'stopped', at: 0 }), terminal: rxdaemon.isTerminal({ type: 'stopped', at: 0 }) };
`;

// Where a block imports \`it\` from vitest, the project has this in vitest's place: the examples are checked
// against rxdaemon's types, not a test runner's.
const VITEST = `declare module 'vitest' {
  export const it: (name: string, test: () => void) => void;
}
`;

let project = '';
let examples: Example[] = [];
beforeAll(() => {
  if (!online) return;
  project = mkdtempSync(join(tmpdir(), 'rxdaemon-consumer-'));
  const { tarball } = pack(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        rxdaemon: `file:${tarball}`,
        rxjs: '^7.8.0',
        'fp-ts': '^2.16.0',
        ...Object.fromEntries(Object.entries(TYPESCRIPTS).map(([alias, range]) => [alias, `npm:typescript@${range}`])),
      },
    }),
  );
  // No --ignore-scripts: installing rxdaemon runs nothing, so npm has nothing to warn about.
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, encoding: 'utf8', timeout: 240_000 });
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  installWarnings = install.stderr.split('\n').filter((line) => /warn/i.test(line));
  mkdirSync(join(project, 'examples'));
  examples = examplesOf(join(project, 'node_modules/rxdaemon'), join(project, 'examples'));
  writeFileSync(join(project, 'examples/vitest.d.ts'), VITEST);
  writeFileSync(join(project, 'consumer.cts'), COMMONJS_CONSUMER);
}, 360_000);
let installWarnings: string[] = [];
afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

/** The settings of one case: its compiler options on top of `tsc --init`'s, and which files it checks. */
interface Setting {
  readonly options: Record<string, unknown>;
  readonly files: () => string[];
}

const withoutNode = (): string[] => [...examples.filter((example) => !example.node).map((example) => `examples/${example.file}`), 'examples/vitest.d.ts'];
const SETTINGS = {
  // The default of `tsc --init`: Node's own ESM; a CommonJS file beside, which `require`s the package.
  'module nodenext, no @types/node, a .cts beside': { options: { module: 'nodenext' }, files: () => [...withoutNode(), 'consumer.cts'] },
  // Where a .cts may not require an ES module at all unless its types are CommonJS's.
  'module node16, no @types/node, a .cts beside': { options: { module: 'node16' }, files: () => [...withoutNode(), 'consumer.cts'] },
  'moduleResolution bundler, no @types/node': { options: { module: 'esnext', moduleResolution: 'bundler' }, files: withoutNode },
  // Every example, those that use Node's globals too: with @types/node (the repository's), as such a project has.
  'module nodenext, with @types/node, every example': {
    options: { module: 'nodenext', typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] },
    files: () => [...examples.map((example) => `examples/${example.file}`), 'examples/vitest.d.ts'],
  },
} satisfies Record<string, Setting>;
type SettingName = keyof typeof SETTINGS;

// Every setting with the newest TypeScript (native since 7: seconds a case); TypeScript 5 and 6, tens of
// seconds a case on a busy 2-core machine, each with one: 6 with `tsc --init`'s, 5 with node16's.
const CASES: readonly (readonly [Alias, SettingName])[] = [
  ...(Object.keys(SETTINGS) as SettingName[]).map((name) => ['typescript-newest', name] as const),
  ['typescript-6', 'module nodenext, no @types/node, a .cts beside'],
  ['typescript-5', 'module node16, no @types/node, a .cts beside'],
];

/** What `tsc` of `alias` says about the project under `setting` (nothing when it compiles), with each example's file named by its page and line. */
const compile = (alias: Alias, name: string, setting: Setting): string => {
  const config = `tsconfig.${alias}.${name.replace(/\W+/g, '-')}.json`;
  writeFileSync(join(project, config), JSON.stringify({ compilerOptions: { ...INIT, ...setting.options }, files: setting.files() }, null, 2));
  const tsc = join(project, 'node_modules', alias, 'bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  const said = `${run.stdout}${run.stderr}`;
  return examples.reduce((text, example) => text.replaceAll(`examples/${example.file}`, example.from), said).trim();
};

describe.skipIf(!online)('a project that installs the packed package', () => {
  it('installs it with no warning: the package runs no script at install', () => {
    expect(installWarnings).toEqual([]);
  });

  it('finds the examples: every page’s ```ts blocks, the README’s among them', () => {
    expect(examples.map((example) => example.from)).toEqual(expect.arrayContaining(['README.md:42', 'docs/daemon.md:8', 'docs/snapshots.md:11', 'docs/testing.md:10']));
    expect(examples.length).toBeGreaterThan(20);
  });

  for (const [alias, name] of CASES) {
    it(`type-checks the examples with ${alias} (${TYPESCRIPTS[alias]}), strict, exactOptionalPropertyTypes, skipLibCheck false: ${name}`, () => {
      expect(compile(alias, name, SETTINGS[name])).toBe('');
    }, 180_000);
  }

  it('runs the .cts as TypeScript compiles it (require) and imports the package from ESM', () => {
    const tsc = join(project, 'node_modules/typescript-newest/bin/tsc');
    execFileSync(process.execPath, [tsc, '--module', 'node16', '--target', 'es2022', '--strict', '--outDir', 'out', 'consumer.cts'], { cwd: project, encoding: 'utf8' });
    const required = execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify(require("./out/consumer.cjs")))'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(required)).toEqual({ status: 'idle', describe: 'stopped', terminal: true });
    const imported = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const { Daemon, isTerminal } = await import('rxdaemon'); const { FakeDriver } = await import('rxdaemon/testing'); console.log(typeof Daemon, typeof FakeDriver, isTerminal({ type: 'stopped', at: 0 }))"],
      { cwd: project, encoding: 'utf8' },
    );
    expect(imported.trim()).toBe('function function true');
  });
});
