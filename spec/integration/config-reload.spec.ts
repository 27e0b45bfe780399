import { closeSync, fstatSync, futimesSync, mkdirSync, openSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManagerEvent } from '../../lib/manager/events.js';
import { cliRuns, cliToEnd, interrupt, type Cli } from '../helpers/cli.js';
import { CHILD, child, isAlive, readIfThere, waitFor } from '../helpers/real-processes.js';

const { sandbox, start, started } = cliRuns();

const daemon = { command: process.execPath, args: [CHILD] };
const configText = (...ids: string[]): string => `${JSON.stringify({ daemons: Object.fromEntries(ids.map((id) => [id, daemon])) }, null, 2)}\n`;

const manage = (config: string): Cli => start('manage', '--json', '--config', config, '--data-dir', sandbox().path('data'));

/** `rxdaemon manage` on daemons.json with `a` alone, once `a` runs: the config's path and the run. */
const managingA = async (): Promise<{ config: string; run: Cli }> => {
  const config = sandbox().path('daemons.json');
  writeFileSync(config, configText('a'));
  const run = manage(config);
  await started(run, 'a');
  return { config, run };
};

const startedIds = (run: Cli): string[] => run.events().flatMap((e: ManagerEvent) => (e.type === 'started' ? [e.id] : []));

describe('rxdaemon manage follows its config (finding 13)', () => {
  it('waits for a file still being written: half a JSON, read by the manager, is no error, and the whole one is applied', async () => {
    const { config, run } = await managingA();
    const text = configText('a', 'b');
    // An ordinary save by a slow writer: truncate, half, a pause until the manager has read the half, the rest.
    const fd = openSync(config, 'w');
    writeSync(fd, text.slice(0, text.length / 2));
    // An atime before the mtime: the next read (the manager's, nobody else reads it) moves it past, as relatime does.
    futimesSync(fd, new Date(0), fstatSync(fd).mtime);
    await waitFor('the manager to read the half file (seen in its atime; a file system mounted noatime cannot show it)', () => {
      const { atimeMs, mtimeMs } = statSync(config);
      return atimeMs >= mtimeMs;
    });
    writeSync(fd, text.slice(text.length / 2));
    closeSync(fd);
    await started(run, 'b');
    expect(run.stderr).toBe('');
    await interrupt(run);
  });

  it('follows an editor’s rename-save', async () => {
    const { config, run } = await managingA();
    const temp = sandbox().path('.daemons.json.swp');
    writeFileSync(temp, configText('a', 'b'));
    renameSync(temp, config);
    await started(run, 'b');
    expect(startedIds(run).sort()).toEqual(['a', 'b']);
    await interrupt(run);
  });

  it('follows a Kubernetes ConfigMap’s symlink swap (config.json -> ..data/config.json, ..data swapped by rename)', async () => {
    const volume = sandbox().path('configmap');
    const generation = (name: string, text: string): void => {
      mkdirSync(join(volume, name), { recursive: true });
      writeFileSync(join(volume, name, 'config.json'), text);
    };
    generation('..2026_01_01_00_00_00.1', configText('a'));
    symlinkSync('..2026_01_01_00_00_00.1', join(volume, '..data'));
    symlinkSync('..data/config.json', join(volume, 'config.json'));
    const run = manage(join(volume, 'config.json'));
    await started(run, 'a');

    // What the kubelet does: a new generation, a new link beside ..data, renamed over it, the old one removed.
    generation('..2026_01_01_00_01_00.2', configText('a', 'b'));
    symlinkSync('..2026_01_01_00_01_00.2', join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    rmSync(join(volume, '..2026_01_01_00_00_00.1'), { recursive: true });
    await started(run, 'b');
    expect(run.stderr).toBe('');
    await interrupt(run);
  });

  it('a service writing beside the config every 20 ms does not starve a reload: the change is acted on within about 1 s (issue 15, item 1)', async () => {
    const config = sandbox().path('daemons.json');
    const beat = sandbox().path('a.beat');
    const busy = { a: child('--heartbeat', beat) };
    writeFileSync(config, JSON.stringify({ daemons: busy }));
    const run = manage(config);
    await started(run, 'a');
    await waitFor('a busy directory', () => (readIfThere(beat)?.split('\n').length ?? 0) > 10);
    const changed = Date.now();
    writeFileSync(config, JSON.stringify({ daemons: { ...busy, b: daemon } }));
    // About 0.7 s: 100 ms of quiet for the config's own events, the manager's 500 (M2), a spawn. 0.2 did nothing in 10 s.
    await run.event('the reload', (e) => e.type === 'reconcile' && e.started.includes('b'), 3_000);
    const tookMs = Date.now() - changed;
    expect(tookMs).toBeLessThan(3_000);
    await started(run, 'b');
    expect(run.stderr).toBe('');
    await interrupt(run);
  });

  it('a SIGHUP with an unchanged config does nothing, and says so in one line', async () => {
    const { config, run } = await managingA();
    // `ready` follows `started` at once, but may come in a later chunk of output.
    await waitFor('a ready', () => run.events().some((e: ManagerEvent) => e.type === 'ready' && e.id === 'a'));
    const before = run.events().length;
    run.process.kill('SIGHUP');
    await waitFor('the note', () => run.stderr.includes('unchanged'));
    expect(run.stderr).toBe(`rxdaemon: SIGHUP: ${config} is unchanged; nothing to do\n`);
    expect(run.events().slice(before).filter((e) => e.type !== 'snapshot-written')).toEqual([]);
    await interrupt(run);
  });

  it('says once what is wrong with a file, however often it is saved so; the running set is kept', async () => {
    const { config, run } = await managingA();
    const typo = JSON.stringify({ daemons: { a: daemon, b: { command: 'sleep', arg: ['1'] } } });
    writeFileSync(config, typo);
    await waitFor('the report', () => run.stderr.includes('did you mean'));
    writeFileSync(config, typo);
    writeFileSync(config, typo);
    // A different mistake is reported: by then the saves before it were read.
    writeFileSync(config, JSON.stringify({ daemons: { a: daemon, b: { comand: 'sleep' } } }));
    await waitFor('the second report', () => run.stderr.includes('`daemons.b.comand`'), 8_000);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`rxdaemon: invalid config ${config}: \`daemons.b.arg\`: unknown field; did you mean \`args\`?; keeping the running set`);
    expect(startedIds(run)).toEqual(['a']);
    await interrupt(run);
  });

  it('refuses to start with an unknown field, naming it and the name meant (exit 2)', async () => {
    const config = sandbox().path('daemons.json');
    writeFileSync(config, JSON.stringify({ daemons: { web: { command: 'sleep', arg: ['1'] } } }));
    const { code, stderr } = await cliToEnd(['manage', '--config', config, '--data-dir', sandbox().path('data')], sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain('`daemons.web.arg`: unknown field; did you mean `args`?');
  });

  it('a reload whose `after` names no daemon, or closes a cycle, is a bad reload: said once each, and web and worker run on untouched (issue 15, item 2)', async () => {
    const config = sandbox().path('daemons.json');
    const save = (daemons: Record<string, unknown>): void => {
      writeFileSync(config, JSON.stringify({ daemons }));
    };
    save({ web: daemon, worker: { ...daemon, after: ['web'] } });
    const run = manage(config);
    const pids = [await started(run, 'web'), await started(run, 'worker')];
    save({ web: daemon, worker: { ...daemon, after: ['wbe'] } });
    await waitFor('the report of the typo', () => run.stderr.includes('"wbe"'));
    save({ web: { ...daemon, after: ['worker'] }, worker: { ...daemon, after: ['web'] } });
    await waitFor('the report of the cycle', () => run.stderr.includes('a cycle'));
    expect(run.stderr).toBe(
      [
        `rxdaemon: invalid config ${config}: \`daemons.worker.after\`: no daemon "wbe" in this config; did you mean "web"?; keeping the running set`,
        `rxdaemon: invalid config ${config}: \`daemons.web.after\`: a cycle: web → worker → web; keeping the running set`,
        '',
      ].join('\n'),
    );
    expect(pids.every(isAlive)).toBe(true);
    expect(run.events().filter((e) => e.type === 'stopping' || e.type === 'stopped' || e.type === 'invalid-entry')).toEqual([]);
    expect(startedIds(run)).toEqual(['web', 'worker']);
    await interrupt(run);
  });

  it.each([
    ['an unknown id', { worker: { after: ['wbe'] } }, '`daemons.worker.after`: no daemon "wbe" in this config; did you mean "web"?'],
    ['a cycle', { web: { after: ['worker'] }, worker: { after: ['web'] } }, '`daemons.web.after`: a cycle: web → worker → web'],
  ])('refuses to start with %s in `after`, naming it (exit 2; issue 15, item 2)', async (_, afters: Record<string, { after: string[] }>, message) => {
    const config = sandbox().path('daemons.json');
    // 0.2 started them: they end with the sandbox.
    const stays = child('--exit-when-gone', config);
    writeFileSync(config, JSON.stringify({ daemons: { web: { ...stays, ...afters['web'] }, worker: { ...stays, ...afters['worker'] } } }));
    const run = manage(config);
    await waitFor('the manager to exit', () => run.process.exitCode !== null, 10_000);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toBe(`rxdaemon: invalid config ${config}: ${message}\n`);
    expect(run.stdout).toBe('');
  });

  it('refuses to start with a JSON error, naming its line and column (exit 2)', async () => {
    const config = sandbox().path('daemons.json');
    writeFileSync(config, '{\n  "daemons": {\n    "web": { "command": "sleep", }\n  }\n}\n');
    const { code, stderr } = await cliToEnd(['manage', '--config', config, '--data-dir', sandbox().path('data')], sandbox().dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`${config}: invalid JSON at line 3, column 34: Expected double-quoted property name`);
  });
});
