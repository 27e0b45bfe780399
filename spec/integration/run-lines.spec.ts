import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DesiredSet } from '../../lib/manager/service.js';
import type { ManagerEvent } from '../../lib/manager/events.js';
import type { OutputLine } from '../../lib/output/with-lines.js';
import { runManager } from '../helpers/real-manager.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';
import { fastRestarts } from '../helpers/policy.js';

// Issue 15, item 10: wherever a run's lines and its events are shown
// together, every line a run wrote comes before that run's `exited`.

const sandbox = sandboxPerTest();

// Writes a line at start, and its last one right before it crashes: on stdout, then on stderr.
const FLAKY = { command: 'sh', args: ['-c', 'echo "up $$"; sleep 0.05; echo "crashing $$" >&2; exit 1'] };

describe('Manager.eventsAndLines$ with a real flaky process', () => {
  it("over many crash cycles, each run's lines come after the previous run's exited and before its own", async () => {
    const { manager } = runManager(sandbox(), new BehaviorSubject<DesiredSet>({ flaky: FLAKY }), { restart: fastRestarts });
    const shown: (ManagerEvent | OutputLine)[] = [];
    const reading = manager.eventsAndLines$().subscribe((item) => shown.push(item));
    sandbox().defer(() => {
      reading.unsubscribe();
    });
    // The crashes: the run the kill ends may not have written all its lines.
    const crashes = () => shown.flatMap((item) => (item.type === 'exited' && !item.requested ? [item.pid] : []));
    await waitFor('eight crash cycles', () => crashes().length >= 8, 20_000);
    await manager.kill();
    const words = shown.map((item) => (item.type === 'line' ? `${item.stream}: ${item.text}` : item.type === 'exited' ? `exited ${item.pid}` : item.type));
    const ran = crashes();
    expect(ran.length).toBeGreaterThanOrEqual(8);
    ran.forEach((pid, run) => {
      const exited = words.indexOf(`exited ${pid}`);
      const previous = run === 0 ? -1 : words.indexOf(`exited ${ran[run - 1] ?? -1}`);
      for (const line of [`stdout: up ${pid}`, `stderr: crashing ${pid}`]) {
        const at = words.indexOf(line);
        expect({ line, after: at > previous, before: at < exited }).toEqual({ line, after: true, before: true });
      }
    });
  });
});
