import * as t from 'io-ts';
import { hashToken, tokenMatches } from '../snapshot/token-hash.js';
import { SERVICE_OPTIONS, type Service } from './service.js';

/**
 * A one-shot task's completion with exit code 0, as the manager's records
 * keep it: in which boot, when (the scheduler's clock, ms), and of which
 * definition (see {@link definitionOf}), the token only as a salted hash.
 * The codec is the record's single source of truth.
 */
export const Completion = t.intersection([
  t.type({ bootId: t.string, at: t.number, definition: t.UnknownRecord }),
  t.partial({ tokenHash: t.string }),
]);
export type Completion = t.TypeOf<typeof Completion>;

// Code (a restart policy, a check) cannot be recorded: a completion is of what the task runs and every option that is data.
const CODE_OPTIONS: ReadonlySet<string> = new Set(['restart', 'ready', 'health']);

/**
 * What a completion is of: the service's command (command, args, cwd, env
 * in name order, id), its `after` and every option that is data, in a fixed
 * order, so that one JSON text tells an unchanged definition. Its restart
 * rule is code, and is left out; so is the token, which a completion holds
 * only as a hash.
 */
export const definitionOf = (service: Service): Record<string, unknown> => {
  const { command, args = [], cwd, env = {}, id, after = [] } = service;
  const definition: Record<string, unknown> = {
    command,
    args,
    ...(cwd === undefined ? {} : { cwd }),
    env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ...(id === undefined ? {} : { id }),
    after,
  };
  for (const name of SERVICE_OPTIONS) if (!CODE_OPTIONS.has(name) && service[name] !== undefined) definition[name] = service[name];
  return definition;
};

/** The completion of `service`'s task now, in boot `bootId`. */
export const completionOf = (service: Service, bootId: string, at: number): Completion => ({
  bootId,
  at,
  definition: definitionOf(service),
  ...(service.token === undefined ? {} : { tokenHash: hashToken(service.token) }),
});

/**
 * Whether a recorded completion is of `service` as it is now, in this boot
 * (`bootId`; none where the OS has no boot id, so nothing is ever taken
 * for done there): the same definition and the same token.
 */
export const completes = (completion: Completion, service: Service, bootId: string | null): boolean =>
  bootId !== null &&
  completion.bootId === bootId &&
  JSON.stringify(completion.definition) === JSON.stringify(definitionOf(service)) &&
  (service.token === undefined ? completion.tokenHash === undefined : completion.tokenHash !== undefined && tokenMatches(service.token, completion.tokenHash));
