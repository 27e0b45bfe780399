#!/usr/bin/env node
import { consoleOutput, EXIT, UsageError, writeErr, writeOut } from './output.js';
import { usageOf } from './usage.js';
import { packageVersion } from './version.js';

// `--help` before `--` only: after it, the words belong to the daemon's command.
const wantsHelp = (args: readonly string[]): boolean => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

/** Runs the command line with `argv` (without node and the script) and resolves with the exit code. */
const main = async (argv: readonly string[]): Promise<number> => {
  const [command, ...args] = argv;
  try {
    if (wantsHelp(args)) return help(command);
    switch (command) {
      // The commands are loaded when one runs: `--help` and `--version` load none of them (P7). One module
      // holds them all, so the package's one build shares the library with them in few chunks (esbuild.config.mjs).
      case 'run':
        return await (await import('./commands.js')).run(args, consoleOutput);
      case 'manage':
        return await (await import('./commands.js')).manageCommand(args, consoleOutput);
      case 'status':
        return await (await import('./commands.js')).status(args);
      case 'restart':
      case 'stop':
      case 'start':
        return await (await import('./commands.js')).control(command, args);
      case 'shutdown':
        return await (await import('./commands.js')).shutdown(args);
      case 'logs':
        return await (await import('./commands.js')).logs(args);
      case 'startup':
        return (await import('./commands.js')).startup(args);
      case '--help':
      case '-h':
      case 'help':
        return help(undefined);
      case '--version':
      case '-v':
        writeOut(`${packageVersion()}\n`);
        return EXIT.ok;
      default:
        throw new UsageError(command === undefined ? 'a command is required' : `unknown command '${command}'`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The lines of the command that was misused, not the whole page.
    writeErr(`rxdaemon: ${error.message}\n\n${usageOf(command)}`);
    return EXIT.usage;
  }
};

/** `--help`: the usage of `command`, or of every command. */
const help = (command: string | undefined): number => {
  writeOut(usageOf(command));
  return EXIT.ok;
};

// Set, not process.exit(): stdout may still be draining into a pipe.
process.exitCode = await main(process.argv.slice(2));
