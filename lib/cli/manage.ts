import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { BehaviorSubject } from 'rxjs';
import { commandEquals } from '../command.js';
import type { DesiredSet } from '../manager/manage.js';
import { Manager } from '../manager/manager.js';
import { parse, required } from './args.js';
import { readConfig } from './config.js';
import { EXIT, UsageError, type Output } from './output.js';

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  'keep-on-exit': { type: 'boolean' },
} as const;

const sameSet = (a: DesiredSet, b: DesiredSet): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([id, command]) => {
    const other = b[id];
    return other !== undefined && commandEquals(command, other);
  });

/**
 * Watches the config for changes. Editors save by replacing the file, so
 * the directory is watched and events are filtered by name.
 */
const watchConfig = (path: string, onChange: () => void): FSWatcher => {
  const name = basename(path);
  return watch(dirname(path), (_, file) => {
    if (file === name) onChange();
  });
};

/**
 * `rxdaemon manage --config FILE --data-dir DIR`: a manager until SIGINT or
 * SIGTERM. An invalid config at start is exit 2; later it is reported and
 * the running set kept. A data dir owned by a live manager is exit 2, and
 * nothing in it is touched.
 */
export const manageCommand = async (args: readonly string[], output: (json: boolean) => Output): Promise<number> => {
  const { values } = parse(args, OPTIONS);
  const config = required('config', values.config);
  const dataDir = required('data-dir', values['data-dir']);
  const out = output(values.json === true);
  const initial = readConfig(config);
  if (isLeft(initial)) throw new UsageError(initial.left);
  const desired$ = new BehaviorSubject<DesiredSet>(initial.right);
  const reload = (): void => {
    const next = readConfig(config);
    if (isLeft(next)) out.note(`${next.left}; keeping the running set`);
    else if (!sameSet(next.right, desired$.value)) desired$.next(next.right);
  };
  const manager = new Manager(desired$, { dataDir });
  const watcher = watchConfig(config, reload);
  const leave = (): void => {
    void (values['keep-on-exit'] === true ? manager.close() : manager.kill());
  };
  process.on('SIGHUP', reload);
  process.on('SIGINT', leave);
  process.on('SIGTERM', leave);
  manager.events$.subscribe((event) => {
    out.event(event);
  });
  manager.run();
  const last = await manager.ended();
  watcher.close();
  process.off('SIGHUP', reload);
  process.off('SIGINT', leave);
  process.off('SIGTERM', leave);
  if (last?.type === 'manager-refused') {
    out.note(last.message);
    return last.code === 'ELOCKED' ? EXIT.usage : EXIT.failure;
  }
  return last === undefined ? EXIT.failure : EXIT.ok;
};
