// The part of respawn 2's API the benchmarks use; the package ships no types.
declare module 'respawn' {
  import type { EventEmitter } from 'node:events';
  interface Monitor extends EventEmitter {
    start(): void;
    stop(callback?: () => void): void;
    readonly status: string;
    readonly pid: number;
  }
  interface Options {
    maxRestarts?: number;
    sleep?: number | number[] | ((restarts: number) => number);
    kill?: number | false;
    stdio?: unknown;
    env?: Record<string, string>;
  }
  const respawn: (command: string[], options?: Options) => Monitor;
  export default respawn;
}
