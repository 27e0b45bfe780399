import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir } from '../../lib/manager/data-dir.js';
import { Records } from '../../lib/manager/records.js';

let root: string;
let dataDir: DataDir;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rxdaemon-records-'));
  dataDir = new DataDir(root);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const reopen = () => {
  const opened = Records.open(dataDir, 42);
  opened.records.close();
  return opened.found;
};

describe('Records (M8)', () => {
  it('every change is on disk when set() returns: a manager killed right after finds it', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('web', { pid: 100 });
    records.set('api', { pid: 200 });
    records.set('web', undefined);
    // No compaction, no close: as a SIGKILL would leave it.
    expect(Object.fromEntries(reopen().daemons)).toEqual({ api: { pid: 200 } });
    records.close();
  });

  it('compaction writes snapshot.json (0600) and empties the journal; later changes go on from there', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('web', { pid: 100 });
    expect(records.compact()).toBe(1);
    expect(JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8'))).toEqual({ version: 1, seq: 1, daemons: { web: { pid: 100 } } });
    expect(statSync(dataDir.snapshotPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(dataDir.journalPath, 'utf8')).toBe('');
    records.set('web', { pid: 101 });
    records.close();
    expect(Object.fromEntries(reopen().daemons)).toEqual({ web: { pid: 101 } });
  });

  it('never replays a journal line older than the snapshot (a manager killed between writing it and emptying the journal)', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('web', { pid: 100 });
    records.set('web', undefined);
    records.set('web', { pid: 200 });
    const journal = readFileSync(dataDir.journalPath, 'utf8');
    records.compact();
    records.close();
    // Put the old lines back, as if the journal had not been emptied.
    writeFileSync(dataDir.journalPath, journal);
    expect(Object.fromEntries(reopen().daemons)).toEqual({ web: { pid: 200 } });
  });

  it('ignores a torn last line of the journal, and cuts it so the next record is not glued to it', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('web', { pid: 100 });
    records.close();
    appendFileSync(dataDir.journalPath, '{"seq":2,"id":"api","snapshot":{"pi');
    const next = Records.open(dataDir, 0);
    expect(Object.fromEntries(next.found.daemons)).toEqual({ web: { pid: 100 } });
    next.records.set('db', { pid: 300 });
    next.records.set('cache', { pid: 400 });
    next.records.close();
    expect(Object.fromEntries(reopen().daemons)).toEqual({ web: { pid: 100 }, db: { pid: 300 }, cache: { pid: 400 } });
  });

  it('writes nothing for a change that changes nothing', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('web', { pid: 100 });
    records.set('web', { pid: 100 });
    records.set('gone', undefined);
    records.close();
    expect(readFileSync(dataDir.journalPath, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('reads a 0.1 snapshot.json (no seq)', () => {
    writeFileSync(dataDir.snapshotPath, JSON.stringify({ version: 1, daemons: { web: { pid: 7 } } }));
    expect(Object.fromEntries(reopen().daemons)).toEqual({ web: { pid: 7 } });
  });

  it('sets aside, never deletes, a snapshot.json that is not one, is a directory, or is a symlink', () => {
    const outside = join(root, 'outside');
    writeFileSync(outside, 'precious');
    for (const plant of [() => { writeFileSync(dataDir.snapshotPath, '{ nope'); }, () => { mkdirSync(dataDir.snapshotPath); }, () => { symlinkSync(outside, dataDir.snapshotPath); }]) {
      rmSync(`${dataDir.snapshotPath}.corrupt-42`, { recursive: true, force: true });
      plant();
      const found = reopen();
      expect(found.corrupt?.movedTo).toBe(`${dataDir.snapshotPath}.corrupt-42`);
      expect(found.daemons.size).toBe(0);
    }
    expect(readFileSync(outside, 'utf8')).toBe('precious');
  });

  it('refuses a journal that is a symlink, rather than reading or appending through it', () => {
    const outside = join(root, 'outside');
    writeFileSync(outside, '');
    symlinkSync(outside, dataDir.journalPath);
    expect(() => Records.open(dataDir, 0)).toThrow(/journal: it is a symlink/);
  });
});

describe('Records: the intent written before every spawn (M8)', () => {
  const intent = (at: number, command = 'nginx') => ({ command, cwd: '/srv', path: '/usr/sbin:/usr/bin', at, boot: 'b1' });

  it('is on disk when intend() returns, and is reported while no record line of its id follows it', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('db', { pid: 100 });
    records.intend('web', intent(500));
    records.intend('db', intent(510, 'postgres'));
    // Killed here: no record line for either.
    const found = reopen();
    expect(Object.fromEntries(found.spawning)).toEqual({ web: intent(500), db: intent(510, 'postgres') });
    // The records themselves do not change for an intent.
    expect(Object.fromEntries(found.daemons)).toEqual({ db: { pid: 100 } });
    records.close();
  });

  it('is resolved by the next record line of its id, the process it started or none; only the last intent of an id counts', () => {
    const { records } = Records.open(dataDir, 0);
    records.intend('web', intent(500));
    records.set('web', { pid: 200 });
    records.intend('api', intent(600, 'api'));
    records.set('api', undefined); // a record line saying "none" (gone): it resolves too
    records.set('api', { pid: 300 });
    records.set('api', undefined);
    records.intend('web', intent(700));
    records.intend('web', intent(800));
    const found = reopen();
    expect(Object.fromEntries(found.spawning)).toEqual({ web: intent(800) });
    expect(Object.fromEntries(found.daemons)).toEqual({ web: { pid: 200 } });
    records.close();
  });

  it('is dropped by a compaction (no spawn is in flight during one), unless kept; a kept one is in snapshot.json until a record line resolves it', () => {
    const { records } = Records.open(dataDir, 0);
    records.intend('web', intent(500));
    records.intend('api', intent(600, 'api'));
    records.keep('api', intent(600, 'api'));
    records.compact();
    expect(JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8'))).toEqual({ version: 1, seq: 2, daemons: {}, spawning: { api: intent(600, 'api') } });
    expect(Object.fromEntries(reopen().spawning)).toEqual({ api: intent(600, 'api') });
    records.compact();
    expect(Object.fromEntries(reopen().spawning)).toEqual({ api: intent(600, 'api') });
    records.set('api', { pid: 300 });
    expect(reopen().spawning.size).toBe(0);
    records.compact();
    expect(JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8'))).toEqual({ version: 1, seq: 3, daemons: { api: { pid: 300 } } });
    records.close();
  });

  it('ignores a torn intent line, and a kept intent in snapshot.json that is not one', () => {
    writeFileSync(dataDir.snapshotPath, JSON.stringify({ version: 1, seq: 0, daemons: {}, spawning: { web: { at: 'soon' }, api: intent(600, 'api') } }));
    appendFileSync(dataDir.journalPath, '{"seq":1,"id":"db","spawning":{"command":"postgres","at":7');
    const found = reopen();
    expect(Object.fromEntries(found.spawning)).toEqual({ api: intent(600, 'api') });
  });
});

describe('Records: a one-shot’s completion (issue 15, item 7)', () => {
  const completion = { bootId: 'b1', at: 100, definition: { command: 'migrate', args: [], env: {}, after: [], oneshot: true } };

  it('is on disk when complete() returns, kept by a compaction, and gone once forgotten, one id or all', () => {
    const { records } = Records.open(dataDir, 0);
    expect(records.complete('migrate', completion)).toBe(true);
    expect(records.complete('migrate', completion)).toBe(false);
    records.complete('warm', { ...completion, at: 200 });
    // No compaction, no close: as a SIGKILL would leave it.
    expect(Object.fromEntries(reopen().completed)).toEqual({ migrate: completion, warm: { ...completion, at: 200 } });
    records.compact();
    expect(JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8'))).toMatchObject({ completed: { migrate: completion } });
    records.complete('warm', undefined);
    expect([...reopen().completed.keys()]).toEqual(['migrate']);
    records.forgetCompleted();
    records.compact();
    records.close();
    expect(reopen().completed.size).toBe(0);
    expect(JSON.parse(readFileSync(dataDir.snapshotPath, 'utf8'))).not.toHaveProperty('completed');
  });

  it('a completion line is no record of a process: a malformed one changes neither', () => {
    const { records } = Records.open(dataDir, 0);
    records.set('migrate', { pid: 100 });
    records.close();
    appendFileSync(dataDir.journalPath, '{"seq":2,"id":"migrate","completed":{"bootId":7}}\n');
    const found = reopen();
    expect(Object.fromEntries(found.daemons)).toEqual({ migrate: { pid: 100 } });
    expect(found.completed.size).toBe(0);
  });
});
