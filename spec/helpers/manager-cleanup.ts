import type { Manager } from '../../lib/manager/manager.js';

/**
 * Stops whatever a spec's manager still runs, at cleanup. A manager that
 * ended before (refused at start, or closed by the spec) runs nothing: its
 * kill() rejects saying so, and that is no failure. Any other rejection is
 * one, and fails the spec.
 */
export const killManager = async (manager: Manager): Promise<void> => {
  try {
    await manager.kill();
  } catch (error) {
    const last = await manager.ended();
    if (last?.type !== 'manager-refused' && last?.type !== 'manager-closed') throw error;
  }
};
