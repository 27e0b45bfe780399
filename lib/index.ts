// The public API of rxdaemon: exports only, no logic.
export { commandEquals, type Command } from './command.js';
export { isTerminal } from './events.js';
export type {
  AdoptedEvent,
  BackoffEvent,
  ClosedEvent,
  DaemonEvent,
  DaemonEventOf,
  DaemonEventType,
  ExitedEvent,
  GaveUpEvent,
  HealthFailedEvent,
  StableEvent,
  CompletedEvent,
  KillingEvent,
  NotReadyEvent,
  PidFileErrorEvent,
  ReadyEvent,
  RotateFailedEvent,
  SpawnFailedEvent,
  SpawningEvent,
  StartedEvent,
  StoppedEvent,
  StoppingEvent,
  UnhealthyEvent,
} from './events.js';
export type { Logger } from './logger.js';
export type { Signal } from './signal-name.js';
export type { DaemonOptions } from './options.js';
export { consulBackoff, type ConsulBackoffOptions } from './policy/consul-backoff.js';
export { exponentialBackoff, type ExponentialBackoffOptions } from './policy/exponential-backoff.js';
export type { Jitter } from './policy/jitter.js';
export { noRestart } from './policy/no-restart.js';
export { restartOn, type RestartOnOptions, type RestartWhen } from './policy/restart-on.js';
export type { GiveUpReason, LastRun, RestartDecision, RestartLimit, RestartPolicy, RestartState } from './policy/restart-policy.js';
export { withJitter } from './policy/with-jitter.js';
export { checks, type Check, type CheckError, type CheckTarget, type HealthOptions, type HttpCheckOptions, type ReadyOptions } from './checks/index.js';
export { limitRestarts, type LimitRestartsOptions } from './policy/limit-restarts.js';
export type { ChildHandle, ExitStatus, KillError, OutputOffsets, Processes, ProcessProbe, ProcessWatch, SpawnFailure } from './process/processes.js';
export type { Marked, Spawned, SystemScans } from './process/system-scans.js';
export type { ProcessDriver } from './process/driver.js';
export type { Cgroups } from './process/cgroups.js';
export type { CgroupHierarchy, CgroupUnavailable } from './process/cgroup/discovery.js';
export type { CgroupLimits, LimitController, LimitWrite } from './process/cgroup/limits.js';
export type { CgroupUsage } from './process/cgroup/usage.js';
export type { SpawnSpec, Stdio } from './process/spawn-spec.js';
export type { SpawnIntent } from './process/spawn-intent.js';
export type { Headroom } from './process/limits.js';
export { defaultDriver, execaDriver } from './process/default-driver.js';
export { Daemon } from './daemon/daemon.js';
export type { DaemonError } from './daemon/daemon-error.js';
export { lines$, type LinesOptions } from './output/lines.js';
export type { FileLook, FileSource } from './fs/file-source.js';
export type { Files } from './fs/files.js';
export type { RotateOutcome } from './fs/rotate.js';
export type { OutputStream } from './output/output-lines.js';
export { withLines, type OutputLine, type Outputs, type WithLinesOptions } from './output/with-lines.js';
export type { ProcessIdentity } from './process/identity.js';
export type { Adoptee } from './snapshot/adoptee.js';
export type { DaemonState, DaemonStatus, LastExit } from './daemon/state.js';
export { supervise, type SuperviseOptions } from './daemon/supervise.js';
export { DaemonSnapshot, Pid } from './snapshot/codec.js';
export type { RestoreError } from './snapshot/restore-error.js';
export type {
  AlreadyCompletedEvent,
  ContainmentEvent,
  ControlDoneEvent,
  ControlErrorEvent,
  ControlRefusedEvent,
  ControlRequest,
  DependencyEnd,
  DependencyFailedEvent,
  DesiredErrorEvent,
  FleetEvent,
  ManagedDaemonEvent,
  InvalidEntryEvent,
  ManagerClosedEvent,
  ManagerEvent,
  ManagerRefusedEvent,
  ManagerStoppedEvent,
  ReconcileEvent,
  RestoredEvent,
  RestoreSkippedEvent,
  StrayEvent,
  LimitReachedEvent,
  SnapshotCorruptEvent,
  SnapshotErrorEvent,
  SnapshotWrittenEvent,
  WaitingEvent,
} from './manager/events.js';
export { isFleetEvent, isManagerTerminal } from './manager/events.js';
export { manage, type ManagerOptions } from './manager/manage.js';
export { serviceEquals, type DesiredSet, type Service, type ServiceOptions } from './manager/service.js';
export { Manager } from './manager/manager.js';
export type { ControlError, ControlOutcome } from './manager/control-outcome.js';
export { prometheusText } from './metrics/prometheus-text.js';
export { readUsage, type Usage, type UsageScope } from './metrics/usage.js';
