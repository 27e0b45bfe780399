import { join, resolve } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { BehaviorSubject, firstValueFrom } from 'rxjs';
import type { ManagerEvent } from '../manager/events.js';
import type { DesiredSet } from '../manager/service.js';
import { Manager } from '../manager/manager.js';
import { parse } from './args.js';
import { configReader } from './config.js';
import { limitsChecked } from './config-limits.js';
import { CONTAINMENT_MODES, decideContainment, type ContainmentMode } from '../process/cgroup/containment.js';
import { systemCgroups } from '../process/cgroup/system-cgroups.js';
import { configReloads$ } from './config-reloads.js';
import { configUpdates, readSettled$ } from './config-updates.js';
import { dataDirOf } from './data-dir.js';
import { EXIT, UsageError, type Output } from './output.js';
import { tellSystemd } from './systemd-notify.js';

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  'keep-on-exit': { type: 'boolean' },
  containment: { type: 'string' },
  'cgroup-root': { type: 'string' },
  output: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

// What a person reads (`--json` prints every event): no line for each
// snapshot written unless --verbose, and no line for a refusal, which is
// said once, on stderr, as the command's end.
const isContainmentMode = (value: string): value is ContainmentMode => (CONTAINMENT_MODES as readonly string[]).includes(value);

const shown = (event: ManagerEvent, json: boolean, verbose: boolean): boolean =>
  json || (event.type === 'snapshot-written' ? verbose : event.type !== 'manager-refused');

/**
 * `rxdaemon manage [--config FILE] [--data-dir DIR]`: a manager until SIGINT or
 * SIGTERM. The config is read again on any sign of a change and on SIGHUP
 * (see {@link configUpdates}). Readable lines align on the config's ids;
 * `--verbose` adds one for each snapshot written; `--output`, every line each service
 * writes (read from its files, for journald and `kubectl logs`). An invalid config at start is exit 2; later
 * it is reported once and the running set kept; a limit that cannot apply under the containment in use
 * (`--containment`, `--cgroup-root`) is such an error too. A data dir owned by a live manager is exit 2, and
 * nothing in it is touched; so is `--containment cgroup` where no cgroup v2 hierarchy can be written. The data dir defaults as {@link dataDirOf} says, the config to the data
 * dir's services.json; the manager serves
 * `rxdaemon status`, `restart`, `stop`, `start`, `shutdown` and `logs` on its control.sock.
 * Under systemd (`NOTIFY_SOCKET`), it tells systemd `READY=1` and pings its
 * watchdog (see {@link tellSystemd}); its daemons do not inherit the socket.
 */
export const manageCommand = async (args: readonly string[], output: (json: boolean) => Output): Promise<number> => {
  const { values } = parse(args, OPTIONS);
  const dataDir = dataDirOf(values['data-dir']);
  if (values.config === '') throw new UsageError("--config takes a file, got ''");
  // Without --config, the data dir's own services.json: `rxdaemon manage` alone runs what is kept there.
  const config = values.config ?? join(dataDir, 'services.json');
  const out = output(values.json === true);
  const containment = values.containment ?? 'auto';
  if (!isContainmentMode(containment)) throw new UsageError(`--containment takes auto, cgroup or process-group, got '${containment}'`);
  const cgroupRoot = values['cgroup-root'];
  // Decided here as the manager will decide it, so a limit that cannot apply is a configuration error, at start and on
  // reload; without cgroups where they are required, the manager refuses to start (ECGROUP), and says why.
  const contained = decideContainment(containment, () => systemCgroups.discover(cgroupRoot));
  // One reader for the whole run: it keeps the policies it built, so an unchanged entry keeps its policy object.
  const read = isLeft(contained) ? configReader(config) : limitsChecked(configReader(config), config, contained.right);
  // A config being saved as the manager starts is waited for, as on a reload.
  const initial = await firstValueFrom(readSettled$(read));
  // A config error, not a usage error: said alone, without the usage text.
  if (isLeft(initial)) {
    out.note(initial.left.message);
    return EXIT.usage;
  }
  out.align(Object.keys(initial.right));
  const desired$ = new BehaviorSubject<DesiredSet>(initial.right);
  const manager = new Manager(desired$, { dataDir, configPath: resolve(config), containment, ...(cgroupRoot === undefined ? {} : { cgroupRoot }) });
  const updates = configUpdates(read, initial.right, configReloads$(config)).subscribe((update) => {
    switch (update.kind) {
      case 'changed':
        out.align(Object.keys(update.desired));
        desired$.next(update.desired);
        return;
      case 'unchanged':
        out.note(`SIGHUP: ${config} is unchanged; nothing to do`);
        return;
      case 'invalid':
        out.note(`${update.message}; keeping the running set`);
        return;
    }
  });
  const leave = (): void => {
    void (values['keep-on-exit'] === true ? manager.close() : manager.kill());
  };
  process.on('SIGINT', leave);
  process.on('SIGTERM', leave);
  // With --output, the services' lines too, read from their files: each run's before its `exited`.
  (values.output === true ? manager.eventsAndLines$() : manager.events$).subscribe((event) => {
    if (event.type === 'line') out.line(event);
    else if (shown(event, values.json === true, values.verbose === true)) out.event(event);
  });
  // Before run(): the daemons it spawns must not inherit systemd's socket.
  const notifying = tellSystemd(manager.events$, process.env, (reason) => {
    out.note(`${reason}; going on without`);
  });
  manager.run();
  const last = await manager.ended();
  notifying?.unsubscribe();
  updates.unsubscribe();
  process.off('SIGINT', leave);
  process.off('SIGTERM', leave);
  if (last?.type === 'manager-refused') {
    out.note(last.message);
    return last.code === 'EDATADIR' ? EXIT.failure : EXIT.usage;
  }
  return last === undefined ? EXIT.failure : EXIT.ok;
};
