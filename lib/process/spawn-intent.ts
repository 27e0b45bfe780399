import * as t from 'io-ts';
import { ProgramLookup } from './program.js';

/**
 * M8: a spawn about to happen, as a manager writes it down just before the
 * fork: `at`, ticks since boot (USER_HZ, the unit of a process's start
 * time) in boot `boot`, and what decides the file it runs. A manager
 * killed between the fork and the record of the process leaves this behind,
 * and the next one looks for a session leader started right after `at`
 * running that file: the one trace of the spawn that the process cannot
 * overwrite, as nginx and PostgreSQL overwrite the environment that
 * carries `RXDAEMON_SCOPE`.
 */
export const SpawnIntent = t.intersection([ProgramLookup, t.type({ at: t.number, boot: t.union([t.string, t.null]) })]);
export type SpawnIntent = t.TypeOf<typeof SpawnIntent>;

/**
 * How long after its intent the process of a spawn may have started: 50
 * ticks, half a second. The intent is the last thing written before the
 * fork, in the same synchronous turn: between the two only the spawn's own
 * steps run (opening the log files, copying the environment, the fork),
 * no event handler and no other daemon: well under a tick (measured in
 * spec/integration/unrecorded-spawn.spec.ts: 0 ticks for each of 20 spawns
 * in a row). Half a second leaves room for a manager descheduled in
 * between on a loaded machine, and is still short enough that an
 * unrelated session leader of the same program starting in it, left by a
 * manager killed in that very window, is unlikely. Past it, the process is
 * missed (a second copy may be started), never wrongly stopped.
 */
export const SPAWN_WINDOW_TICKS = 50;
