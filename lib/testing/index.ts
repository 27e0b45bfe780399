/**
 * `rxdaemon/testing`: what a user needs to test their own supervision code in
 * virtual time.
 */
export { FakeDriver } from './fake-driver.js';
export type { AddedProcess, FakeDriverOptions, FakeProcess, FakeProcessScript, FakeSignal } from './fake-driver.js';
