import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { nodeProgram, type Cli } from '../helpers/cli.js';
import { sandboxPerTest, waitFor } from '../helpers/real-processes.js';

// Issue 15, item 9: lines$ completes when its daemon or manager ends, once
// its file is read to the end, and an agent that used it exits by itself.

const AGENT = fileURLToPath(new URL('../fixtures/lines-agent.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx/esm');

const sandbox = sandboxPerTest();

type Said = { from?: string; line?: string; complete?: boolean; ended?: boolean };

const saidBy = (agent: Cli): Said[] =>
  agent.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Said);

/** Runs the agent fixture to its end, which it must reach by itself within `deadlineMs` of saying it ended. */
const runAgent = async (how: 'kill' | 'close'): Promise<Said[]> => {
  const agent = nodeProgram(['--import', TSX, AGENT, sandbox().dir, how], sandbox().dir);
  sandbox().own(agent.pid);
  sandbox().defer(() => {
    if (agent.process.exitCode === null) agent.process.kill('SIGKILL');
  });
  const said = (): Said[] => saidBy(agent);
  // Whatever it ran is the sandbox's to clean up, should the spec fail.
  const own = (): void => {
    for (const { line } of said()) if (line?.startsWith('up ') === true) sandbox().own(Number(line.slice(3)));
  };
  await waitFor(`the agent to end its manager and daemon (stderr: ${agent.stderr.slice(-300)})`, () => (own(), said().some((message) => message.ended === true)), 20_000);
  let exited = false;
  void agent.exited.then(() => (exited = true));
  await waitFor('the agent to exit by itself once its manager and daemon ended', () => exited, 3_000);
  expect(await agent.exited).toBe(0);
  return said();
};

describe('lines$ ends with its daemon or manager', () => {
  it('kill() and stop(): each lines$ delivers the line written just before the end, then completes; the agent exits by itself', async () => {
    const said = await runAgent('kill');
    for (const from of ['manager', 'daemon']) {
      const own = said.filter((message) => message.from === from);
      const pid = own.find((message) => message.line?.startsWith('up ') === true)?.line?.slice(3);
      expect(own.slice(-2)).toEqual([{ from, line: `bye ${pid ?? 'none'}` }, { from, complete: true }]);
    }
    // Completed before the end was said: by the time kill() and stop() resolved.
    const ended = said.findIndex((message) => message.ended === true);
    expect(said.slice(ended + 1)).toEqual([]);
  });

  it('close(): each lines$ completes though the processes run on; the agent exits by itself', async () => {
    const said = await runAgent('close');
    for (const from of ['manager', 'daemon']) expect(said.filter((message) => message.from === from).at(-1)).toEqual({ from, complete: true });
  });
});
