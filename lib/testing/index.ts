/**
 * `rxdaemon/testing`: what a user needs to test their own supervision code in
 * virtual time.
 */
export { FakeDriver } from './fake-driver.js';
export type { AddedProcess, FakeDriverOptions, FakeProcess, FakeSignal } from './fake-driver.js';
export type { FakeProcessScript, Script, ScriptFunction, ScriptsById } from './script.js';
export { testKit, type TestKit } from './test-kit.js';
