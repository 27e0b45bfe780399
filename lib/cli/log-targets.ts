import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { firstValueFrom } from 'rxjs';
import type { ServiceOutputs } from '../manager/control-protocol.js';
import type { DataDir } from '../manager/data-dir.js';
import { checkId } from '../manager/ids.js';
import type { OutputStream } from '../output/output-lines.js';
import { ask$ } from './control-client.js';

/** One log `rxdaemon logs` shows: a service's stdout or stderr, and the file it is kept in. */
export interface LogTarget {
  readonly id: string;
  readonly stream: OutputStream;
  readonly path: string;
}

/** The logs to show, and why some asked for cannot be (each a line on stderr, and exit 1). */
export interface LogTargets {
  readonly targets: readonly LogTarget[];
  readonly problems: readonly string[];
}

// A log of the data dir, not a rotated copy (`web-stdout.log.1`): `<id>-stdout.log` or `<id>-stderr.log`.
const LOG_NAME = /^(.+)-(stdout|stderr)\.log$/;

/** The services that have a log in the data dir, in the order of their names, with the logs they have. */
const servicesInFiles = (dataDir: DataDir): ServiceOutputs[] => {
  const services = new Map<string, { stdout?: string; stderr?: string }>();
  let names: string[];
  try {
    names = readdirSync(join(dataDir.root, 'logs')).sort();
  } catch {
    return [];
  }
  for (const name of names) {
    const [, id, stream] = LOG_NAME.exec(name) ?? [];
    if (id === undefined || (stream !== 'stdout' && stream !== 'stderr') || isLeft(checkId(id))) continue;
    services.set(id, { ...services.get(id), [stream]: dataDir[stream](id) });
  }
  return [...services].map(([id, files]) => ({ id, ...files }));
};

/** A service named on the command line, read from the files: its logs in the data dir that are there. */
const namedInFiles = (dataDir: DataDir, id: string): ServiceOutputs | string => {
  const valid = checkId(id);
  if (isLeft(valid)) return valid.left;
  const files: { stdout?: string; stderr?: string } = {};
  for (const stream of ['stdout', 'stderr'] as const) if (lstatSync(dataDir[stream](id), { throwIfNoEntry: false }) !== undefined) files[stream] = dataDir[stream](id);
  if (files.stdout === undefined && files.stderr === undefined) return `there is no ${dataDir.stdout(id)}: is the id right, and did a manager of ${dataDir.root} run it?`;
  return { id, ...files };
};

/** The logs of `services` in `streams`; a service named on the command line with none of them in a file is a problem. */
const targetsOf = (services: readonly ServiceOutputs[], streams: readonly OutputStream[], named: boolean): LogTargets => {
  const targets: LogTarget[] = [];
  const problems: string[] = [];
  for (const service of services) {
    const own = streams.flatMap((stream) => {
      const path = service[stream];
      return path === undefined ? [] : [{ id: service.id, stream, path }];
    });
    if (own.length === 0 && named) problems.push(`${service.id}'s ${streams.join(' and ')} ${streams.length === 1 ? 'is' : 'are'} not kept in a file`);
    targets.push(...own);
  }
  return { targets, problems };
};

/**
 * The logs `rxdaemon logs` shows: of the services named (every configured
 * one when none is), their `streams` that are kept in a file. The running
 * manager says which services are configured and where each writes (a
 * file of its own, or its log in the data dir); with none to ask, the data
 * dir's logs say (a service named that has none there is likely a typo,
 * said). A manager that cannot be asked for another reason is a problem.
 */
export const logTargets = async (dataDir: DataDir, ids: readonly string[], streams: readonly OutputStream[]): Promise<LogTargets> => {
  const answer = await firstValueFrom(ask$(dataDir.controlPath, { type: 'outputs' }), { defaultValue: undefined });
  if (answer?.type === 'outputs') {
    const configured = new Map(answer.daemons.map((service) => [service.id, service]));
    if (ids.length === 0) return targetsOf(answer.daemons, streams, false);
    const unknown = ids.filter((id) => !configured.has(id)).map((id) => `no service ${JSON.stringify(id)} is configured`);
    const found = targetsOf(ids.flatMap((id) => configured.get(id) ?? []), streams, true);
    return { targets: found.targets, problems: [...unknown, ...found.problems] };
  }
  if (answer?.type !== 'unreachable' || answer.code !== 'ENOMANAGER') {
    return { targets: [], problems: [answer?.type === 'unreachable' ? answer.message : `the manager answered ${answer?.type ?? 'nothing'} to an outputs request`] };
  }
  if (ids.length === 0) return targetsOf(servicesInFiles(dataDir), streams, false);
  const named = ids.map((id) => namedInFiles(dataDir, id));
  const found = targetsOf(named.filter((service) => typeof service !== 'string'), streams, true);
  return { targets: found.targets, problems: [...named.filter((service) => typeof service === 'string'), ...found.problems] };
};
