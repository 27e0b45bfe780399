import type { DaemonReport } from '../manager/control-protocol.js';
import { formatDuration } from './status-table.js';
import type { Look } from './status-look.js';

/** `rxdaemon status`'s exit codes, as `systemctl status` has them: 0 all as they should be, 1 some not (or it cannot tell), 3 no manager runs. */
export const STATUS_EXIT = { ok: 0, notAsItShouldBe: 1, noManager: 3 } as const;

/**
 * Whether a service is as it should be: running (ready); stopped (under a
 * manager, only on request); or done, a one-shot that completed with exit
 * code 0. Starting, waiting, idle (waiting for its `after`), stopping, gave
 * up, or completed otherwise is not.
 */
export const isAsItShouldBe = ({ status, lastExit }: DaemonReport): boolean =>
  status === 'running' || status === 'stopped' || (status === 'completed' && lastExit?.code === 0 && lastExit.signal === null);

/**
 * The exit code of a look: 0 when the manager answered and every service
 * is as it should be ({@link isAsItShouldBe}), 1 when one is not, 3 when no
 * manager runs; 1 too when it cannot tell (a manager that does not answer,
 * records that cannot be read).
 *
 * @example
 * statusExit({ kind: 'manager', pid: 812, reports: [] }); // 0
 */
export const statusExit = (look: Look): number => {
  switch (look.kind) {
    case 'manager':
      return look.reports.every(isAsItShouldBe) ? STATUS_EXIT.ok : STATUS_EXIT.notAsItShouldBe;
    case 'records':
      return look.silent === undefined ? STATUS_EXIT.noManager : STATUS_EXIT.notAsItShouldBe;
    case 'failed':
      return STATUS_EXIT.notAsItShouldBe;
  }
};

const FROM_RECORDS = 'from its records: no CPU, restarts or last exit';

/**
 * The line above `rxdaemon status`'s table: who answered, as of `now`. The
 * manager: its pid, its uptime (as the table spells a duration) and the
 * config it serves, each part it told; with no manager, that none runs on
 * the data dir, or that its manager does not answer, and that the table
 * comes from the records. Undefined for a failed look (its message is all).
 *
 * @example
 * statusHeader({ kind: 'manager', pid: 8123, since: now - 11_220_000, config: '/etc/rxdaemon/services.json', reports: [] }, now);
 * // 'manager 8123 · up 3h07m · /etc/rxdaemon/services.json'
 */
export const statusHeader = (look: Look, now: number): string | undefined => {
  switch (look.kind) {
    case 'manager':
      return [`manager ${look.pid}`, ...(look.since === undefined ? [] : [`up ${formatDuration(now - look.since)}`]), ...(look.config === undefined ? [] : [look.config])].join(' · ');
    case 'records':
      return look.silent === undefined
        ? `no manager runs (data dir ${look.dataDir}) · ${FROM_RECORDS}`
        : `manager ${look.silent.pid} does not answer at ${look.silent.controlPath} · ${FROM_RECORDS}`;
    case 'failed':
      return undefined;
  }
};
