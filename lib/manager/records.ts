import { closeSync, ftruncateSync, renameSync, writeSync } from 'node:fs';
import * as t from 'io-ts';
import { errorFields } from '../events.js';
import { openAppendSafe } from '../fs/append-file.js';
import { readFileSafe } from '../fs/read-file.js';
import { writeFileSafe } from '../fs/write-file.js';
import { SpawnIntent } from '../process/spawn-intent.js';
import { Completion } from './completion.js';
import type { DataDir } from './data-dir.js';

/**
 * snapshot.json: versioned; `seq` is the last journal line it includes (0
 * in a 0.1 data dir, which has no journal). Each daemon's entry is decoded
 * on its own, so one bad entry spoils nothing else. `spawning` holds the
 * intents a manager keeps unresolved on purpose (see {@link Records.keep});
 * `completed`, the one-shots that completed with exit code 0 (see
 * {@link Records.complete}).
 */
const StoredSnapshot = t.intersection([
  t.type({ version: t.literal(1), daemons: t.record(t.string, t.unknown) }),
  t.partial({ seq: t.number, spawning: t.record(t.string, t.unknown), completed: t.record(t.string, t.unknown) }),
]);

/** A field that is there, whatever it holds (JSON has no undefined): `t.unknown` alone would take an absent one. */
const Present = new t.Type<unknown>('present', (input): input is unknown => input !== undefined, (input, context) => (input === undefined ? t.failure(input, context) : t.success(input)), t.identity);

/**
 * One line of the journal: a spawn's intent (M8: written just before the
 * fork), or a daemon's live process, or none (null) from that moment on;
 * or a one-shot's completion with exit code 0, or none (null: forgotten).
 * A line is told by the field it has.
 */
const JournalLine = t.union([
  t.type({ seq: t.number, id: t.string, spawning: SpawnIntent }),
  t.type({ seq: t.number, id: t.string, completed: t.union([Completion, t.null]) }),
  t.type({ seq: t.number, id: t.string, snapshot: Present }),
]);

/**
 * What a starting manager finds: the last record of every id, the
 * unresolved intents, and what it could not read. An intent is resolved by
 * the next record line of its id (the process it started, or none); one
 * left unresolved is a spawn that failed (nothing to find) or one whose
 * manager was killed between the intent and the record: its process runs,
 * and only the intent tells of it.
 */
export interface Found {
  readonly daemons: ReadonlyMap<string, unknown>;
  /** Per id, the intent no record line followed. */
  readonly spawning: ReadonlyMap<string, SpawnIntent>;
  /** Per id, the one-shot's completion with exit code 0, until it is forgotten (see {@link Records.complete}). */
  readonly completed: ReadonlyMap<string, Completion>;
  /** snapshot.json could not be read and was set aside (`movedTo`), never deleted. */
  readonly corrupt?: { readonly message: string; readonly movedTo: string };
}

/**
 * M8: the manager's records of its processes, on disk before it does
 * anything else with them. Every change (a process started, adopted, gone)
 * is one line appended to `journal`, synchronously, in the same tick as the
 * event that made it: one write(2), so a thousand spawns cost a thousand
 * short appends rather than a thousand rewrites of the whole snapshot. Now
 * and then (`compact`) the records are written whole to snapshot.json,
 * atomically, and the journal is emptied. A journal line carries a sequence
 * number and snapshot.json the last one it includes, so a manager killed
 * between the two steps never replays a line older than the snapshot over it.
 * Before every spawn, an intent line ({@link intend}) says when it happens
 * and what it runs; the records themselves never change for it.
 */
export class Records {
  readonly #dataDir: DataDir;
  /** Every id's record, as the JSON text it is written with. */
  readonly #current: Map<string, string>;
  /** Intents carried over compactions (see {@link keep}), as JSON text. */
  readonly #kept = new Map<string, string>();
  /** Every one-shot's completion (see {@link complete}), as the JSON text it is written with. */
  readonly #completed: Map<string, string>;
  readonly #journal: number;
  #seq: number;
  #dirty = false;

  private constructor(dataDir: DataDir, found: Pick<Found, 'daemons' | 'completed'>, seq: number) {
    this.#dataDir = dataDir;
    this.#current = new Map([...found.daemons].map(([id, snapshot]) => [id, JSON.stringify(snapshot)]));
    this.#completed = new Map([...found.completed].map(([id, completion]) => [id, JSON.stringify(completion)]));
    this.#seq = seq;
    this.#journal = openAppendSafe(dataDir.journalPath);
  }

  /** Appends one whole line: a short write (a full disk) is finished or thrown, never left torn. */
  #append(line: string): void {
    const bytes = Buffer.from(line);
    for (let written = 0; written < bytes.length; ) written += writeSync(this.#journal, bytes, written);
  }

  /**
   * Reads what an earlier manager recorded in a data dir and opens the journal
   * to append to. A snapshot.json that cannot be read is set aside; a torn
   * last journal line (a manager killed mid-write) is ignored.
   */
  static open(dataDir: DataDir, now: number): { readonly records: Records; readonly found: Found } {
    const read = readRecords(dataDir);
    const corrupt = read.problem === undefined ? undefined : setAside(dataDir.snapshotPath, now, read.problem);
    const { daemons, spawning, completed } = read;
    const found: Found = corrupt === undefined ? { daemons, spawning, completed } : { daemons, spawning, completed, corrupt };
    const records = new Records(dataDir, found, read.seq);
    // A manager killed mid-append left a torn last line: cut it, or the next line would be glued to it and lost.
    ftruncateSync(records.#journal, read.journalBytes);
    return { records, found };
  }

  /** Records `id`'s live process (its snapshot), or that it has none. On disk when this returns. */
  set(id: string, snapshot: unknown): void {
    const text = snapshot === undefined ? undefined : JSON.stringify(snapshot);
    if (this.#current.get(id) === text) return;
    if (text === undefined) this.#current.delete(id);
    else this.#current.set(id, text);
    this.#seq += 1;
    this.#append(`{"seq":${this.#seq},"id":${JSON.stringify(id)},"snapshot":${text ?? 'null'}}\n`);
    // The line resolves any intent of the id.
    this.#kept.delete(id);
    this.#dirty = true;
  }

  /**
   * Records that `id`, a one-shot task, completed with exit code 0 (its
   * completion), or forgets it (undefined). On disk when this returns: a
   * later manager on this data dir, after a close or a crash, finds it.
   * Returns whether anything changed.
   */
  complete(id: string, completion: Completion | undefined): boolean {
    const text = completion === undefined ? undefined : JSON.stringify(completion);
    if (this.#completed.get(id) === text) return false;
    if (text === undefined) this.#completed.delete(id);
    else this.#completed.set(id, text);
    this.#seq += 1;
    this.#append(`{"seq":${this.#seq},"id":${JSON.stringify(id)},"completed":${text ?? 'null'}}\n`);
    this.#dirty = true;
    return true;
  }

  /** Forgets every one-shot's completion (a kill: as `systemctl stop` does). */
  forgetCompleted(): void {
    for (const id of [...this.#completed.keys()]) this.complete(id, undefined);
  }

  /**
   * M8: `id` is about to spawn. On disk when this returns. It changes no
   * record and asks for no compaction: the next record line of the id
   * resolves it, and a compaction drops it, which is safe because none
   * runs between an intent and its fork (the two are one synchronous turn,
   * with nothing but the spawn's own steps in between).
   */
  intend(id: string, intent: SpawnIntent): void {
    this.#seq += 1;
    this.#append(`{"seq":${this.#seq},"id":${JSON.stringify(id)},"spawning":${JSON.stringify(intent)}}\n`);
  }

  /**
   * Keeps an intent found at open unresolved across compactions, until a
   * record line of its id resolves it: a manager that cannot tell whether a
   * live process is that spawn's (and so holds the id) leaves the same
   * question to the next one, rather than the answer "nothing".
   */
  keep(id: string, intent: SpawnIntent): void {
    this.#kept.set(id, JSON.stringify(intent));
  }

  /** Whether anything changed since the last {@link compact}. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /**
   * Writes every record to snapshot.json (atomic, 0600), then empties the
   * journal; returns how many daemons it holds. Throws what writing threw.
   */
  compact(): number {
    // Made of the texts already written to the journal: nothing is serialised twice.
    const entries = (texts: ReadonlyMap<string, string>): string => [...texts].map(([id, text]) => `${JSON.stringify(id)}:${text}`).join(',');
    const spawning = this.#kept.size === 0 ? '' : `,"spawning":{${entries(this.#kept)}}`;
    const completed = this.#completed.size === 0 ? '' : `,"completed":{${entries(this.#completed)}}`;
    writeFileSafe(this.#dataDir.snapshotPath, `{"version":1,"seq":${this.#seq},"daemons":{${entries(this.#current)}}${spawning}${completed}}\n`);
    ftruncateSync(this.#journal, 0);
    this.#dirty = false;
    return this.#current.size;
  }

  close(): void {
    closeSync(this.#journal);
  }
}

/** What a data dir records, read without changing anything; `problem` says why snapshot.json could not be read, when it could not. */
export interface ReadRecords {
  readonly daemons: ReadonlyMap<string, unknown>;
  /** See {@link Found.spawning}. */
  readonly spawning: ReadonlyMap<string, SpawnIntent>;
  /** See {@link Found.completed}. */
  readonly completed: ReadonlyMap<string, Completion>;
  readonly seq: number;
  /** How many bytes of the journal are whole lines. */
  readonly journalBytes: number;
  readonly problem?: string;
}

/**
 * Reads snapshot.json and replays the journal lines after it, touching
 * nothing (`rxdaemon status` looks with it). Throws when the journal cannot
 * be read: records that cannot be read are never guessed around.
 */
export const readRecords = (dataDir: DataDir): ReadRecords => {
  const snapshot = readSnapshot(dataDir.snapshotPath);
  const daemons = new Map(Object.entries(snapshot.daemons));
  // Each kept intent (and completion) decoded on its own; one that is not one tells of nothing.
  const spawning = new Map(Object.entries(snapshot.spawning).flatMap(([id, intent]) => (SpawnIntent.is(intent) ? [[id, intent] as const] : [])));
  const completed = new Map(Object.entries(snapshot.completed).flatMap(([id, completion]) => (Completion.is(completion) ? [[id, completion] as const] : [])));
  let seq = snapshot.seq;
  const journal = readFileSafe(dataDir.journalPath) ?? '';
  const whole = journal.slice(0, journal.lastIndexOf('\n') + 1);
  for (const line of journalLines(whole)) {
    if (line.seq <= snapshot.seq) continue;
    seq = Math.max(seq, line.seq);
    if ('spawning' in line) {
      spawning.set(line.id, line.spawning);
      continue;
    }
    if ('completed' in line) {
      if (line.completed === null) completed.delete(line.id);
      else completed.set(line.id, line.completed);
      continue;
    }
    spawning.delete(line.id);
    if (line.snapshot === null) daemons.delete(line.id);
    else daemons.set(line.id, line.snapshot);
  }
  const read = { daemons, spawning, completed, seq, journalBytes: Buffer.byteLength(whole) };
  return snapshot.problem === undefined ? read : { ...read, problem: snapshot.problem };
};

interface ReadSnapshot {
  readonly daemons: Readonly<Record<string, unknown>>;
  readonly spawning: Readonly<Record<string, unknown>>;
  readonly completed: Readonly<Record<string, unknown>>;
  readonly seq: number;
  readonly problem?: string;
}

const readSnapshot = (path: string): ReadSnapshot => {
  const none = { daemons: {}, spawning: {}, completed: {}, seq: 0 };
  try {
    const text = readFileSafe(path);
    if (text === undefined) return none;
    const decoded = StoredSnapshot.decode(JSON.parse(text));
    if (decoded._tag === 'Right') {
      const { daemons, spawning = {}, completed = {}, seq = 0 } = decoded.right;
      return { daemons, spawning, completed, seq };
    }
    return { ...none, problem: 'not a manager snapshot (version 1)' };
  } catch (error) {
    return { ...none, problem: errorFields(error).message };
  }
};

const setAside = (path: string, now: number, message: string): NonNullable<Found['corrupt']> => {
  const movedTo = `${path}.corrupt-${now}`;
  try {
    renameSync(path, movedTo);
    return { message, movedTo };
  } catch (error) {
    return { message: `${message}; could not set it aside: ${errorFields(error).message}`, movedTo: path };
  }
};

const journalLines = (text: string): t.TypeOf<typeof JournalLine>[] =>
  text.split('\n').flatMap((line) => {
    try {
      const decoded = JournalLine.decode(JSON.parse(line));
      return decoded._tag === 'Right' ? [decoded.right] : [];
    } catch {
      // An empty line, or one a human mangled: it records nothing.
      return [];
    }
  });
