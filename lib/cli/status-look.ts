import { isLeft } from 'fp-ts/lib/Either.js';
import { concatMap, defer, last, of, type Observable, type SchedulerLike } from 'rxjs';
import type { ControlAnswer, ControlLine, DaemonReport } from '../manager/control-protocol.js';
import type { DataDir } from '../manager/data-dir.js';
import { lockHolder } from '../manager/lock.js';
import { recordedStatus } from '../manager/recorded-status.js';
import { defaultDriver } from '../process/default-driver.js';
import { ask$, type Unreachable } from './control-client.js';

/**
 * What one look of `rxdaemon status` found: the running manager's answer
 * (its pid, since when it runs, the config it serves, every daemon); with
 * no manager to ask, the data dir's records (and, when a live manager holds
 * the lock but does not answer, its pid); or why neither could be read.
 */
export type Look =
  | { readonly kind: 'manager'; readonly pid: number; readonly since?: number; readonly config?: string; readonly reports: readonly DaemonReport[] }
  | { readonly kind: 'records'; readonly dataDir: string; readonly silent?: { readonly pid: number; readonly controlPath: string }; readonly reports: readonly DaemonReport[] }
  | { readonly kind: 'failed'; readonly message: string };

/** The answer to a request that has one (`status`, `metrics`): the last thing {@link ask$} says, undefined when the manager hung up without a word. */
export const lastAnswer$ = (path: string, request: ControlLine): Observable<ControlAnswer | Unreachable | undefined> => ask$(path, request).pipe(last(undefined, undefined));

/** Why an answer is not the one asked for, in words. */
export const notAnswered = (answer: ControlAnswer | Unreachable | undefined): string =>
  answer?.type === 'error' || answer?.type === 'unreachable' ? answer.message : answer === undefined ? 'the manager hung up without answering' : `the manager answered ${answer.type}`;

/** The live manager that holds the data dir's lock, when one does: it runs, though nothing answers at its socket. */
const silentManager = (dataDir: DataDir): { readonly pid: number; readonly controlPath: string } | undefined => {
  const holder = lockHolder(dataDir.lockPath, defaultDriver().processes);
  return !isLeft(holder) && holder.right?.alive === true ? { pid: holder.right.pid, controlPath: dataDir.controlPath } : undefined;
};

/** The records' look, when no manager answers: what `recordedStatus` reads, as of the scheduler's now. */
const fromRecords = (dataDir: DataDir, scheduler: SchedulerLike): Look => {
  const recorded = recordedStatus(dataDir, scheduler.now());
  if (isLeft(recorded)) return { kind: 'failed', message: recorded.left };
  const silent = silentManager(dataDir);
  return { kind: 'records', dataDir: dataDir.root, ...(silent === undefined ? {} : { silent }), reports: recorded.right };
};

/**
 * One look at the fleet of `dataDir`: asks its manager over control.sock;
 * where none listens, reads the records. Emits one {@link Look}, then
 * completes; never errs (what cannot be read is a `failed` look).
 *
 * @example
 * look$(new DataDir('/var/lib/agent/daemons'), asyncScheduler).subscribe((look) => console.log(look.kind));
 */
export const look$ = (dataDir: DataDir, scheduler: SchedulerLike): Observable<Look> =>
  lastAnswer$(dataDir.controlPath, { type: 'status' }).pipe(
    concatMap((answer): Observable<Look> => {
      if (answer?.type === 'status') {
        const { pid, since, config, daemons } = answer;
        return of({ kind: 'manager', pid, ...(since === undefined ? {} : { since }), ...(config === undefined ? {} : { config }), reports: daemons });
      }
      if (answer?.type === 'unreachable' && answer.code === 'ENOMANAGER') return defer(() => of(fromRecords(dataDir, scheduler)));
      return of({ kind: 'failed', message: notAnswered(answer) });
    }),
  );
