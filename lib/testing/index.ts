/**
 * `rxdaemon/testing`: what a user needs to test their own supervision code in
 * virtual time.
 */
export { FakeDriver, type FakeDriverOptions } from './fake-driver.js';
export { FakeCgroups, type FakeCgroupsOptions, type FakeLimit } from './fake-cgroups.js';
export { FakeClock, type FakeClockOptions } from './fake-clock.js';
export { FakeFiles } from './fake-files.js';
export type { AddedProcess, FakeProcess, FakeSignal } from './fake-process.js';
export { FakeProcesses, type FakeProcessesOptions } from './fake-processes.js';
export { FakeSystem, type FakeSystemOptions } from './fake-system.js';
export type { FakeProcessScript, Script, ScriptFunction, ScriptsById } from './script.js';
export { testKit, type TestKit } from './test-kit.js';
