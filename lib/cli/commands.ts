/**
 * Every command of the command line, behind the one lazy import of main.ts:
 * its commands and the library they share are then few chunks of the
 * package's one build, not one per command (esbuild.config.mjs).
 */
export { run } from './run.js';
export { manageCommand } from './manage-command.js';
export { status } from './status.js';
export { control } from './control.js';
export { shutdown } from './shutdown.js';
export { logs } from './logs.js';
export { startup } from './startup.js';
