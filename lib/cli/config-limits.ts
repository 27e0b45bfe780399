import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { limitsRefusal } from '../manager/service-cgroups.js';
import type { DesiredSet } from '../manager/service.js';
import type { Containment } from '../process/cgroup/containment.js';
import type { ConfigError } from './config.js';

/**
 * A config reader whose sets are refused when a service asks for a limit
 * that cannot apply under `containment` (a controller not delegated, or
 * no cgroups at all): the library would skip that service (`ELIMITS`); the
 * command line makes it a configuration error, as an `after` that cannot
 * be met is: exit 2 at start, a refused reload (the running set kept)
 * later. The error names the field, its controller and why.
 *
 * @example
 * const read = limitsChecked(configReader('services.json'), 'services.json', containment);
 * read(); // left({ message: 'invalid config services.json: `daemons.big.memoryMax`: memoryMax needs the memory controller, …', incomplete: false })
 */
export const limitsChecked =
  (read: () => Either<ConfigError, DesiredSet>, path: string, containment: Containment): (() => Either<ConfigError, DesiredSet>) =>
  () => {
    const desired = read();
    if (isLeft(desired)) return desired;
    for (const [id, service] of Object.entries(desired.right)) {
      const refused = limitsRefusal(service, containment);
      if (isLeft(refused)) return left({ message: `invalid config ${path}: \`daemons.${id}.${refused.left.option}\`: ${refused.left.message}`, incomplete: false });
    }
    return right(desired.right);
  };
