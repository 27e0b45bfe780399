import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { isTerminalType, type DaemonEventType } from '../events.js';
import type { Stdio } from '../process/spawn-spec.js';
import { fileSystem, type FileSource } from '../fs/file-source.js';
import { lineReader, readToEnd, type LineReader } from './lines.js';
import type { OutputStream } from './output-lines.js';

/** A line a daemon wrote to one of its output files, shown among its events by {@link withLines}. */
export interface OutputLine {
  readonly type: 'line';
  /** The scheduler's `now()` when the line was read. */
  readonly at: number;
  /** The id of the daemon that wrote it, when its events carry one (always, under a manager). */
  readonly id?: string;
  /** The file it was read from: the daemon's `stdout` or its `stderr` (`stdout` when both are one file). */
  readonly stream: OutputStream;
  readonly text: string;
}

/** Where a daemon's output goes, by stream: only a `{ file }` has lines to read. */
export type Outputs = Readonly<Partial<Record<OutputStream, Stdio | undefined>>>;

/** Options of {@link withLines}. */
export interface WithLinesOptions {
  /**
   * Where the daemon with this id (undefined: events without one) writes,
   * asked when it spawns or is adopted, so an output that moved between
   * two runs is read from the new file from the new run on.
   */
  readonly outputsOf: (id: string | undefined) => Outputs;
  /** Daemons that may run at the subscription already: read from then on, not only from their next spawn. */
  readonly watching?: Iterable<string | undefined>;
  /** How often the files are looked at between two ends of a run. Default 200 ms. */
  readonly pollMs?: number;
  readonly scheduler?: SchedulerLike;
  /** How the files are read: the file system, or a FakeDriver's `files.output`. Default the file system. */
  readonly source?: FileSource;
}

/** The smallest shape of an event this works with: a daemon's (or a manager's, which passes by). */
interface Shown {
  readonly type: string;
  readonly id?: string;
}

/** One output file of a daemon being read, and where the reading stands. */
interface Reader {
  readonly stream: OutputStream;
  readonly file: string;
  readonly look: LineReader;
}

// A run of the daemon begins: its files are the ones its outputs name now.
const RUN_BEGINS: ReadonlySet<string> = new Set(['spawning', 'adopted'] satisfies DaemonEventType[]);

/** The files of `outputs`, one per path: a stdout and stderr sharing a file are read once, as stdout. */
const filesOf = (outputs: Outputs): { readonly stream: OutputStream; readonly file: string }[] => {
  const files: { stream: OutputStream; file: string }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const output = outputs[stream];
    if (typeof output === 'object' && !files.some(({ file }) => file === output.file)) files.push({ stream, file: output.file });
  }
  return files;
};

/**
 * Shows daemons' events together with the lines they write, so that every
 * line a run wrote comes before that run's `exited`: at each `exited` (and
 * at a daemon's end, and at the end of the events) the daemon's files are
 * read to their end first, and those lines are emitted before the event.
 * Between two ends the files are looked at every `pollMs`, as `lines$`
 * does, following rotations. Lines are those written from a run's spawn
 * (or adoption) on, or from the subscription for the ids it is `watching`.
 * Completes when the events do, once every file is read to its end; errs
 * with their error.
 *
 * This is how the demo, and `rxdaemon manage --output`, print a service's
 * lines and events in one stream: a crash's last line shows under its own
 * run, never under the next one's `started`.
 *
 * @example
 * const daemon = new Daemon({ command: 'envoy', args: ['-c', 'envoy.yaml'] }, { stderr: { file: '/var/log/envoy.err' } });
 * daemon.events$
 *   .pipe(withLines({ outputsOf: () => ({ stderr: { file: '/var/log/envoy.err' } }) }))
 *   .subscribe((shown) => console.log(shown.type === 'line' ? `| ${shown.text}` : shown.type));
 * daemon.start();
 */
export const withLines =
  <E extends Shown>(options: WithLinesOptions): OperatorFunction<E, E | OutputLine> =>
  (events$) =>
    new Observable<E | OutputLine>((subscriber) => {
      const { outputsOf, watching = [], pollMs = 200, scheduler = asyncScheduler, source = fileSystem } = options;
      const readers = new Map<string | undefined, readonly Reader[]>();
      const emitter =
        (id: string | undefined, stream: OutputStream) =>
        (text: string): void => {
          subscriber.next({ type: 'line', at: scheduler.now(), ...(id === undefined ? {} : { id }), stream, text });
        };
      const readOut = (id: string | undefined, reader: Reader): void => {
        readToEnd(reader.look, emitter(id, reader.stream), () => subscriber.closed);
      };
      const readAllOut = (id: string | undefined): void => {
        for (const reader of readers.get(id) ?? []) readOut(id, reader);
      };
      // The files a daemon writes now: a reader of a file it still writes keeps its place; one it left is read out.
      const follow = (id: string | undefined): void => {
        const before = readers.get(id) ?? [];
        const now = filesOf(outputsOf(id)).map(
          ({ stream, file }) =>
            before.find((reader) => reader.stream === stream && reader.file === file) ?? {
              stream,
              file,
              // Looked at once now, so that it begins at the file's end as it is before the spawn, not at the next look.
              look: lineReader(file, { source }),
            },
        );
        for (const reader of before) if (!now.includes(reader)) readOut(id, reader);
        for (const reader of now) if (!before.includes(reader)) reader.look(emitter(id, reader.stream));
        readers.set(id, now);
      };
      for (const id of watching) follow(id);
      subscriber.add(
        scheduler.schedule(function again() {
          for (const [id, own] of readers) for (const reader of own) if (!subscriber.closed) reader.look(emitter(id, reader.stream));
          if (!subscriber.closed) this.schedule(undefined, pollMs);
        }, pollMs),
      );
      subscriber.add(
        events$.subscribe({
          next: (event) => {
            if (RUN_BEGINS.has(event.type)) follow(event.id);
            // Its run ended: all it wrote is in the file now, and comes before the event.
            else if (event.type === 'exited') readAllOut(event.id);
            // The daemon ends (a run may still be going on, after `closed`): read to the end, then no more.
            else if (isTerminalType(event.type)) {
              readAllOut(event.id);
              readers.delete(event.id);
            }
            if (!subscriber.closed) subscriber.next(event);
          },
          error: (error: unknown) => {
            subscriber.error(error);
          },
          complete: () => {
            for (const id of readers.keys()) readAllOut(id);
            subscriber.complete();
          },
        }),
      );
    });
