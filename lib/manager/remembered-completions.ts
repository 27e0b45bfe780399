import { completes, completionOf, type Completion } from './completion.js';
import type { Recorder } from './recorder.js';
import type { Service } from './service.js';

/** What {@link RememberedCompletions} needs: where completions are recorded, and this boot's id. */
export interface RememberedPorts {
  readonly recorder: Pick<Recorder, 'complete' | 'forgetFound' | 'forgetCompleted'>;
  readonly bootId: () => string | null;
}

/**
 * One-shots that an earlier manager of the data dir saw complete with exit
 * code 0, in this boot, with the definition the desired set gives them now:
 * not run again (systemd's `RemainAfterExit`), they meet what starts after
 * them. A start on request runs one again; a stop, a replacement, a removal
 * or a kill forgets it. Also where a completion of this manager's is
 * recorded for the next one.
 */
export class RememberedCompletions {
  private readonly remembered = new Map<string, Completion>();

  constructor(private readonly ports: RememberedPorts) {}

  /**
   * Keeps the one-shots recorded as completed that are not to run again:
   * those the desired set holds as they were, completed in this boot, and
   * not adopted (a run under way is no completion). Any other completion is
   * forgotten.
   */
  remember(completed: ReadonlyMap<string, Completion>, desired: ReadonlyMap<string, Service>, adopted: ReadonlySet<string>): void {
    const bootId = this.ports.bootId();
    for (const [id, completion] of completed) {
      const service = desired.get(id);
      if (service?.oneshot === true && !adopted.has(id) && completes(completion, service, bootId)) this.remembered.set(id, completion);
      else this.ports.recorder.forgetFound(id);
    }
  }

  /** The completion remembered for `id`, if it is not to run again. */
  of(id: string): Completion | undefined {
    return this.remembered.get(id);
  }

  /**
   * A one-shot's completion with exit code 0, recorded (in this boot;
   * nothing where the OS has no boot id), so a later manager does not run
   * it again; `service` is its definition.
   */
  record(id: string, service: Service, at: number): void {
    const bootId = this.ports.bootId();
    if (bootId !== null) this.ports.recorder.complete(id, completionOf(service, bootId, at));
  }

  /** `id` is run again, stopped or gone: a completion recorded for it is forgotten, here and on disk. */
  forget(id: string): void {
    this.remembered.delete(id);
    this.ports.recorder.complete(id, undefined);
  }

  /** A kill forgets every completion, as `systemctl stop` does: the next manager runs them again. */
  forgetAll(): void {
    this.remembered.clear();
    this.ports.recorder.forgetCompleted();
  }
}
