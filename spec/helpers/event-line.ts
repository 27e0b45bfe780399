import type { ManagerEvent } from '../../lib/manager/events.js';

/** A manager event in one short word for a spec's expected list: `type:id@at` (`type@at` for the fleet's own). */
export const eventLine = (event: ManagerEvent): string => `${event.type}${'id' in event ? `:${event.id}` : ''}@${event.at}`;
