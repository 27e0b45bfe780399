import type { DaemonReport } from '../manager/control-protocol.js';
import { paint, two, type Colour } from './format.js';

const NONE = '-';

/** A duration as people read it: `42s`, `12m05s`, `3h07m`, `2d04h`. */
export const formatDuration = (ms: number): string => {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
};

/** Bytes in binary units, three significant digits at most: `812K`, `12.4M`, `1.02G`. */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? String(Math.round(value)) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${shown}${units[unit] ?? ''}`;
};

type LastExit = NonNullable<DaemonReport['lastExit']>;

/** Whether an exit is a failure: not asked for, and not a clean exit 0. */
const failed = (exit: LastExit): boolean => exit.reason === undefined && (exit.signal !== null || (exit.code !== null && exit.code !== 0));

/** How the last run ended, and how long ago: `code 3, 12s ago`, `SIGTERM (stop), 2m05s ago`. */
export const formatLastExit = (exit: LastExit, now: number): string => {
  const how = exit.signal ?? (exit.code === null ? 'ended' : `code ${exit.code}`);
  return `${how}${exit.reason === undefined ? '' : ` (${exit.reason})`}, ${formatDuration(now - exit.at)} ago`;
};

const STATUS_COLOURS: Readonly<Record<string, Colour>> = {
  running: 'green',
  alive: 'green',
  starting: 'cyan',
  spawning: 'cyan',
  stopping: 'cyan',
  waiting: 'yellow',
  idle: 'grey',
  stopped: 'blue',
  closed: 'blue',
  completed: 'blue',
  'gave-up': 'red',
  dead: 'red',
  unknown: 'yellow',
};

/** Why it is not running. */
const causeOf = (report: DaemonReport): string => report.cause ?? '';

interface Cell {
  readonly text: string;
  readonly colour?: Colour;
}

interface Column {
  readonly title: string;
  readonly right?: boolean;
  readonly cell: (report: DaemonReport, now: number) => Cell;
}

const text = (value: string | number | null | undefined, colour?: Colour): Cell => ({ text: value === null || value === undefined ? NONE : String(value), ...(colour === undefined ? {} : { colour }) });

const COLUMNS: readonly Column[] = [
  { title: 'ID', cell: (r) => text(r.id) },
  { title: 'STATE', cell: (r) => text(r.status, STATUS_COLOURS[r.status]) },
  { title: 'PID', right: true, cell: (r) => text(r.pid) },
  { title: 'UPTIME', right: true, cell: (r) => text(r.uptimeMs === null ? null : formatDuration(r.uptimeMs)) },
  { title: 'RESTARTS', right: true, cell: (r) => text(r.restarts) },
  { title: 'LAST EXIT', cell: (r, now) => (r.lastExit === null ? text(null) : text(formatLastExit(r.lastExit, now), failed(r.lastExit) ? 'red' : undefined)) },
  { title: 'CPU', right: true, cell: (r) => text(r.cpuPercent === null ? null : `${r.cpuPercent.toFixed(1)}%`) },
  { title: 'MEM', right: true, cell: (r) => text(r.rssBytes === null ? null : formatBytes(r.rssBytes)) },
];
/** The states whose cause is trouble (a crash, a failed spawn or check, a policy that gave up), in red; any other cause (a stop asked for, a wait for what a service starts after) is not. */
const TROUBLE = new Set(['waiting', 'gave-up']);
const CAUSE: Column = { title: 'CAUSE', cell: (r) => (TROUBLE.has(r.status) ? { text: causeOf(r), colour: 'red' } : text(causeOf(r))) };

/**
 * `rxdaemon status`'s table: a header and a row a daemon, each column
 * padded to its widest cell (numbers to the right), and CAUSE last, only
 * when some daemon has one (every state but running has). With `colour`,
 * the state by what it means, a failed exit and the cause of trouble in
 * red; the padding is measured without colour.
 *
 * @example
 * statusTable(reports, { colour: false, now: Date.now() });
 * // ID   STATE    PID  UPTIME  RESTARTS  LAST EXIT         CPU   MEM
 * // web  running  4242  3h07m         0  -                0.3%  12.4M
 */
export const statusTable = (reports: readonly DaemonReport[], { colour, now }: { readonly colour: boolean; readonly now: number }): string => {
  const columns = reports.some((report) => causeOf(report) !== '') ? [...COLUMNS, CAUSE] : COLUMNS;
  const rows = reports.map((report) => columns.map((column) => column.cell(report, now)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => row[i]?.text.length ?? 0)));
  const line = (cells: readonly Cell[]): string =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const width = widths[i] ?? 0;
        const padded = columns[i]?.right === true ? cell.text.padStart(width) : last ? cell.text : cell.text.padEnd(width);
        return cell.colour === undefined || cell.text === NONE || cell.text === '' ? padded : paint(padded, cell.colour, colour);
      })
      .join('  ');
  return [line(columns.map((column) => ({ text: column.title }))), ...rows.map(line)].map((row) => `${row.trimEnd()}\n`).join('');
};
