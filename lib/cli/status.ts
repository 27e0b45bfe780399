import { asyncScheduler, firstValueFrom, map } from 'rxjs';
import type { DaemonReport } from '../manager/control-protocol.js';
import { DataDir } from '../manager/data-dir.js';
import { prometheusText } from '../metrics/prometheus-text.js';
import { parse } from './args.js';
import { dataDirOf } from './data-dir.js';
import { wantsColour } from './format.js';
import { EXIT, UsageError, writeErr, writeOut } from './output.js';
import { lastAnswer$, look$, notAnswered, type Look } from './status-look.js';
import { statusTable } from './status-table.js';
import { statusExit, statusHeader } from './status-verdict.js';
import { screenOf, watch$, WATCH_PERIOD_MS } from './status-watch.js';

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  prometheus: { type: 'boolean' },
  watch: { type: 'boolean' },
} as const;
const MODES = ['json', 'prometheus', 'watch'] as const;

const scheduler = asyncScheduler;

/** A look as a person reads it: its header (or why nothing could be read), then the table. */
const frameText = (look: Look, colour: boolean): string => {
  const now = scheduler.now();
  if (look.kind === 'failed') return `rxdaemon: ${look.message}\n`;
  const table = look.reports.length === 0 ? 'no daemons\n' : statusTable(look.reports, { colour, now });
  return `${statusHeader(look, now) ?? ''}\n${table}`;
};

/** For `--json` and `--prometheus`, whose stdout is for programs: a header that says the table is not the manager's goes to stderr. */
const noteRecords = (look: Look): void => {
  if (look.kind === 'records') writeErr(`rxdaemon: ${statusHeader(look, scheduler.now()) ?? ''}\n`);
};

const printJson = (reports: readonly DaemonReport[]): void => {
  for (const report of reports) writeOut(`${JSON.stringify(report)}\n`);
};

/** The manager's metrics (the families alone, with no sample, when no manager runs), or why it did not give them. */
const metricsOf = async (dataDir: DataDir, look: Look): Promise<{ readonly text: string } | { readonly failed: string }> => {
  // No manager knows a state: every series is absent, rather than the records passed off as one's.
  if (look.kind !== 'manager') return { text: prometheusText(new Map()) };
  const answer = await firstValueFrom(lastAnswer$(dataDir.controlPath, { type: 'metrics' }));
  return answer?.type === 'metrics' ? { text: answer.text } : { failed: notAnswered(answer) };
};

/** `--watch`: a frame a second until SIGINT or SIGTERM, which end it with exit 0 and the cursor shown again. */
const watch = (dataDir: DataDir): Promise<number> =>
  new Promise((resolve) => {
    const screen = screenOf(process.stdout.isTTY);
    const colour = wantsColour(process.stdout);
    const drawing = watch$(() => look$(dataDir, scheduler), { periodMs: WATCH_PERIOD_MS, scheduler })
      .pipe(map((look, i) => screen.frame(frameText(look, colour), i === 0)))
      .subscribe(writeOut);
    const end = (): void => {
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      drawing.unsubscribe();
      writeOut(screen.end);
      resolve(EXIT.ok);
    };
    process.on('SIGINT', end);
    process.on('SIGTERM', end);
  });

/**
 * `rxdaemon status [--data-dir DIR] [--json | --prometheus | --watch]`:
 * a header (the manager's pid, uptime and config), then every configured
 * daemon, as the running manager tells it over control.sock (state, pid,
 * uptime, restarts, last exit, CPU, memory, and the cause of any trouble).
 * With no manager to ask, what the data dir's records say, the header
 * saying so. `--json`: a daemon a line, and no header but that one, on
 * stderr; `--prometheus`: the manager's metrics in Prometheus' text
 * format; `--watch`: the table again every second until Ctrl-C. Its exit
 * code is a probe's (see {@link statusExit}): 0 all as they should be, 1
 * some not, 3 no manager runs. Looks only.
 */
export const status = async (args: readonly string[]): Promise<number> => {
  const { values } = parse(args, OPTIONS);
  const modes = MODES.filter((mode) => values[mode] === true);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} do not go together`);
  const dataDir = new DataDir(dataDirOf(values['data-dir']));
  if (values.watch === true) return watch(dataDir);
  const look = await firstValueFrom(look$(dataDir, scheduler));
  if (look.kind === 'failed') {
    writeErr(`rxdaemon: ${look.message}\n`);
    return statusExit(look);
  }
  if (values.prometheus === true) {
    noteRecords(look);
    const metrics = await metricsOf(dataDir, look);
    if ('failed' in metrics) {
      writeErr(`rxdaemon: ${metrics.failed}\n`);
      return EXIT.failure;
    }
    writeOut(metrics.text);
  } else if (values.json === true) {
    noteRecords(look);
    printJson(look.reports);
  } else {
    writeOut(frameText(look, wantsColour(process.stdout)));
  }
  return statusExit(look);
};
