import * as t from 'io-ts';
import { consulBackoff } from '../policy/consul-backoff.js';
import { exponentialBackoff } from '../policy/exponential-backoff.js';
import { limitRestarts } from '../policy/limit-restarts.js';
import { noRestart } from '../policy/no-restart.js';
import type { RestartPolicy } from '../policy/restart-policy.js';
import { restartOn } from '../policy/restart-on.js';
import { withJitter } from '../policy/with-jitter.js';
import { Duration, Factor, NonNegativeInteger, PositiveDuration, PositiveInteger } from '../validate.js';
import { ExitCodes, oneOf } from './option-codecs.js';
import { strictObject } from './strict-codec.js';

// A restart policy as data: `{ "policy": …, its numbers, and the
// combinators' fields }`. Which fields are known depends on the policy, so
// a number of another policy (`factor` under consul) is an unknown field.

const PolicyName = oneOf(['consul', 'exponential', 'never']);

/** R4, which ends of a run are restarted: `restartOn`'s `when`. */
export const RestartWhen = oneOf(['always', 'on-failure', 'never']);

// The combinators, over either backoff: `when`/`noRestartCodes` are
// restartOn, `maxRestarts`+`withinMs` limitRestarts, `jitter` withJitter
// (exponentialBackoff's own option, for that one).
const combinators = {
  when: RestartWhen,
  noRestartCodes: ExitCodes,
  maxRestarts: PositiveInteger,
  withinMs: PositiveDuration,
  jitter: oneOf(['none', 'full', 'equal']),
};
const delays = { baseDelayMs: Duration, maxDelayMs: Duration, stableAfterMs: PositiveDuration };

// Each policy's fields besides `policy`.
const FIELDS = {
  consul: { freeAttempts: NonNegativeInteger, ...delays, ...combinators },
  exponential: { factor: Factor, maxAttempts: PositiveInteger, ...delays, ...combinators },
  never: {},
};

const BY_POLICY = {
  consul: strictObject('a consul restart policy', { policy: t.literal('consul') }, FIELDS.consul),
  exponential: strictObject('an exponential restart policy', { policy: t.literal('exponential') }, FIELDS.exponential),
  never: strictObject('the never restart policy', { policy: t.literal('never') }, {}),
};

type PolicyName = keyof typeof FIELDS;
const POLICIES = Object.keys(FIELDS) as PolicyName[];

// A field of another policy (`factor` under consul) is said to be one, rather than unknown.
const othersFields = (policy: PolicyName, input: Readonly<Record<string, unknown>>, context: t.Context): t.Errors =>
  Object.keys(input).flatMap((key) => {
    const owners = POLICIES.filter((other) => Object.hasOwn(FIELDS[other], key));
    if (key === 'policy' || Object.hasOwn(FIELDS[policy], key) || owners.length === 0) return [];
    const value = input[key];
    return [{ value, context: t.appendContext(context, key, t.never, value), message: `a field of the ${owners.map((owner) => `'${owner}'`).join(' and ')} ${owners.length === 1 ? 'policy' : 'policies'}, not of '${policy}'` }];
  });

type ConsulEntry = t.TypeOf<(typeof BY_POLICY)['consul']>;
type ExponentialEntry = t.TypeOf<(typeof BY_POLICY)['exponential']>;

/** A decoded `restart` entry; `policy` is always there (`consul` when the file leaves it out). */
export type RestartEntry = ConsulEntry | ExponentialEntry | t.TypeOf<(typeof BY_POLICY)['never']>;

// limitRestarts needs both: the one given alone is the error, at its own path.
const unpaired = (entry: RestartEntry, context: t.Context): t.Validation<RestartEntry> => {
  if (entry.policy === 'never' || (entry.maxRestarts === undefined) === (entry.withinMs === undefined)) return t.success(entry);
  const [given, missing] = entry.maxRestarts === undefined ? (['withinMs', 'maxRestarts'] as const) : (['maxRestarts', 'withinMs'] as const);
  const value = entry[given];
  return t.failure(value, t.appendContext(context, given, combinators[given], value), `given without \`${missing}\`: at most maxRestarts restarts within withinMs ms needs both`);
};

/**
 * A service's `restart` in a config: `{ "policy": "consul" | "exponential" |
 * "never", …its numbers, "when", "noRestartCodes", "maxRestarts", "withinMs",
 * "jitter" }`. `policy` defaults to `consul`, the library's default. A field
 * the chosen policy does not know is an error naming it; `maxRestarts` and
 * `withinMs` come together or not at all. Turned into a policy by
 * {@link restartPolicyOf}.
 */
export const RestartEntry = new t.Type<RestartEntry, RestartEntry, unknown>(
  'a restart policy: { "policy": "consul" | "exponential" | "never", … }',
  (input): input is RestartEntry => t.UnknownRecord.is(input) && PolicyName.is(input.policy) && BY_POLICY[input.policy].is(input),
  (input, context) => {
    if (!t.UnknownRecord.is(input)) return t.failure(input, context);
    const policy = input.policy ?? 'consul';
    if (!PolicyName.is(policy)) return t.failure(policy, t.appendContext(context, 'policy', PolicyName, policy));
    const misplaced = othersFields(policy, input, context);
    if (misplaced.length > 0) return t.failures(misplaced);
    const decoded: t.Validation<RestartEntry> = BY_POLICY[policy].validate({ ...input, policy }, context);
    return decoded._tag === 'Left' ? decoded : unpaired(decoded.right, context);
  },
  t.identity,
);

const backoffOf = (entry: ConsulEntry | ExponentialEntry): RestartPolicy => {
  const { baseDelayMs, maxDelayMs, stableAfterMs, jitter } = entry;
  if (entry.policy === 'exponential') {
    return exponentialBackoff({ baseDelayMs, maxDelayMs, stableAfterMs, jitter, factor: entry.factor, maxAttempts: entry.maxAttempts });
  }
  const backoff = consulBackoff({ freeAttempts: entry.freeAttempts, baseDelayMs, maxDelayMs, stableAfterMs });
  return jitter === undefined || jitter === 'none' ? backoff : withJitter(backoff, jitter);
};

/**
 * The policy a decoded `restart` entry describes, built with the
 * combinators: `limitRestarts(restartOn(backoff, { when, noRestartCodes }), { max, withinMs })`,
 * each layer only when its fields are there; `never` is {@link noRestart}.
 * A new object at every call: see `reloadStablePolicies` for one per entry.
 *
 * @example
 * restartPolicyOf({ policy: 'consul', when: 'on-failure', maxRestarts: 5, withinMs: 60_000 });
 */
export const restartPolicyOf = (entry: RestartEntry): RestartPolicy => {
  if (entry.policy === 'never') return noRestart;
  const { when, noRestartCodes, maxRestarts, withinMs } = entry;
  const backoff = backoffOf(entry);
  const ruled = when === undefined && noRestartCodes === undefined ? backoff : restartOn(backoff, { when: when ?? 'always', noRestartCodes });
  return maxRestarts === undefined || withinMs === undefined ? ruled : limitRestarts(ruled, { max: maxRestarts, withinMs });
};
