import { isLeft } from 'fp-ts/lib/Either.js';
import { concat, defer, EMPTY, endWith, filter, map, Observable, of, Subject, take, type SchedulerLike } from 'rxjs';
import { resultOf, settles } from './control-result.js';
import { notConfigured } from './control-plan.js';
import { answerError, DEFAULT_LOG_LINES, type ControlAnswer, type ControlLine, type ServiceOutputs } from './control-protocol.js';
import type { DataDir } from './data-dir.js';
import { controlServer$ } from './control-server.js';
import { isManagerTerminal, type ControlErrorEvent, type ControlRequest, type ManagerEvent } from './events.js';
import { checkId } from './ids.js';
import { emptyLogNote, logLines } from './log-lines.js';
import { outputOf, partsOf, type DesiredSet, type Service } from './service.js';
import type { DaemonStates } from './fold-states.js';
import { StatusBoard } from './status-board.js';
import { prometheusText } from '../metrics/prometheus-text.js';
import { readUsage } from '../metrics/usage.js';
import type { Cgroups } from '../process/cgroups.js';

const END: ControlAnswer = { type: 'end' };

/** What a manager tells of itself in `rxdaemon status`'s header: its pid, and the config it serves (when it was told one). */
export interface ManagerFacts {
  readonly pid: number;
  readonly configPath?: string | undefined;
}

/**
 * M9: what a running manager answers on control.sock. It sees every event
 * of the manager (to fold the status and to learn how a request ended) and
 * every desired set (what is configured, where each service's output
 * goes); `restart`, `stop` and `start` leave through {@link requests$}, the
 * path `Manager.restart/stop/start` take too.
 */
export class ControlAnswers {
  readonly #requests = new Subject<ControlRequest>();
  /** Requests for the fleet, as `ManagerOptions.control$` brings them. */
  readonly requests$ = this.#requests.asObservable();
  readonly #shutdown = new Subject<void>();
  /** Emits at each `shutdown` request: the manager is to end as a kill ends it. */
  readonly shutdown$ = this.#shutdown.asObservable();
  readonly #seen = new Subject<ManagerEvent>();
  /** Completes at the manager's terminal event: followed logs read their files to the end, then end. */
  readonly #ended = new Subject<never>();
  readonly #board: StatusBoard;
  #configured: DesiredSet = {};
  /** When the manager began to run, for `rxdaemon status`'s header. */
  readonly #since: number;

  constructor(
    private readonly dataDir: DataDir,
    private readonly manager: ManagerFacts,
    private readonly scheduler: SchedulerLike,
    states: DaemonStates,
    private readonly cgroups: Cgroups,
  ) {
    this.#since = scheduler.now();
    this.#board = new StatusBoard(states, cgroups);
  }

  /** Serves these answers on the data dir's control.sock while subscribed (see {@link controlServer$}). */
  serve$(): Observable<ControlErrorEvent> {
    return controlServer$(this.dataDir.controlPath, this.answer, () => this.scheduler.now());
  }

  /** Takes in a desired set, as it enters the manager: every entry is configured, also one the manager skips as invalid. */
  configure(desired: DesiredSet): void {
    this.#configured = desired;
  }

  /** Takes in one event of the manager, once it has been emitted; the status board folds it into the states. */
  see(event: ManagerEvent): void {
    this.#board.see(event);
    this.#seen.next(event);
    // Before the socket closes: the last lines, then `end`, are written to each follower first.
    if (isManagerTerminal(event)) this.#ended.complete();
  }

  /** The answers to one request: one line, or (`logs`) the lines of a log, then `end` (when it follows: at the manager's end). */
  readonly answer = (request: ControlLine): Observable<ControlAnswer> => {
    switch (request.type) {
      case 'status':
        return defer(() => of(this.#status()));
      case 'metrics':
        return defer(() => {
          const states = this.#board.states(Object.keys(this.#configured));
          return of<ControlAnswer>({ type: 'metrics', text: prometheusText(states, readUsage(states, this.cgroups)) });
        });
      case 'logs':
        return this.#logs(request);
      case 'shutdown':
        return this.#shutdownAnswer();
      case 'outputs':
        return defer(() => of<ControlAnswer>({ type: 'outputs', daemons: Object.entries(this.#configured).map(([id, service]) => this.#outputsOf(id, service)) }));
      default:
        return this.#control({ type: request.type, id: request.id });
    }
  };

  /** The manager, then every daemon, as `rxdaemon status` shows them. */
  #status(): ControlAnswer {
    const { pid, configPath } = this.manager;
    const daemons = this.#board.report(Object.keys(this.#configured), this.scheduler.now());
    return { type: 'status', pid, since: this.#since, ...(configPath === undefined ? {} : { config: configPath }), daemons };
  }

  #control(request: ControlRequest): Observable<ControlAnswer> {
    return new Observable<ControlAnswer>((subscriber) => {
      // The manager is ending: nothing takes requests any more.
      if (!this.#requests.observed) {
        subscriber.next(answerError('EENDED', `the manager is ending; it cannot ${request.type} ${request.id}`));
        subscriber.complete();
        return undefined;
      }
      const subscription = this.#seen.pipe(filter(settles(request)), take(1), map((event) => this.#answerOf(request, event))).subscribe(subscriber);
      this.#requests.next(request);
      return subscription;
    });
  }

  /** Asks for the manager's end, and answers at its terminal event: `shutdown` when every daemon is gone (`manager-stopped`), else what ended it instead. */
  #shutdownAnswer(): Observable<ControlAnswer> {
    return new Observable<ControlAnswer>((subscriber) => {
      const subscription = this.#seen
        .pipe(
          filter(isManagerTerminal),
          take(1),
          map((event): ControlAnswer =>
            event.type === 'manager-stopped'
              ? { type: 'shutdown', pid: this.manager.pid }
              : answerError('EENDED', `the manager ended otherwise (${event.type}) before it could shut down${event.type === 'manager-closed' ? '; its daemons run on' : ''}`),
          ),
        )
        .subscribe(subscriber);
      this.#shutdown.next();
      return subscription;
    });
  }

  /** The answer to a control request, from the event that settled it (see {@link settles}): what it came to, and the daemon's state then. */
  #answerOf(request: ControlRequest, event: ManagerEvent): ControlAnswer {
    const result = resultOf(request, event);
    if (isLeft(result)) return answerError(result.left.code, result.left.message);
    const { status, pid, cause } = this.#board.stateOf(request.id);
    return { type: 'ok', outcome: result.right, status, ...(pid === undefined ? {} : { pid }), ...(cause === undefined ? {} : { cause }) };
  }

  /** Where service `id` writes: each output kept in a file, its own or its log in the data dir. */
  #outputsOf(id: string, service: Service): ServiceOutputs {
    const files: { stdout?: string; stderr?: string } = {};
    for (const stream of ['stdout', 'stderr'] as const) {
      const target = outputOf(stream, id, partsOf(service).options, this.dataDir);
      if (typeof target === 'object') files[stream] = target.file;
    }
    return { id, ...files };
  }

  #logs({ id, stream = 'stdout', lines = DEFAULT_LOG_LINES, follow = false }: Extract<ControlLine, { type: 'logs' }>): Observable<ControlAnswer> {
    return defer(() => {
      const service = Object.hasOwn(this.#configured, id) ? this.#configured[id] : undefined;
      if (service === undefined) return of(answerError('ENOLOG', notConfigured(id)));
      const valid = checkId(id);
      if (isLeft(valid)) return of(answerError('ENOLOG', valid.left));
      const target = outputOf(stream, id, partsOf(service).options, this.dataDir);
      if (typeof target !== 'object') return of(answerError('ENOLOG', `${id}'s ${stream} is not kept in a file (it is ${JSON.stringify(target)})`));
      const log = logLines(target.file, { lines, follow, scheduler: this.scheduler, until: this.#ended });
      if (isLeft(log)) return of(answerError('ENOLOG', `cannot read ${target.file}: ${log.left}`));
      const note = emptyLogNote(id, stream, target.file);
      return concat(
        note === undefined ? EMPTY : of<ControlAnswer>({ type: 'note', message: note }),
        log.right.pipe(
          map((text): ControlAnswer => ({ type: 'line', text })),
          endWith(END),
        ),
      );
    });
  }
}
