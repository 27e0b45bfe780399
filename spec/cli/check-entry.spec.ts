import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../lib/checks/check.js';
import { attempt$, type Verdict } from '../../lib/checks/run-check.js';
import { checkOf, HealthEntry, kindOf, ReadyEntry, type CheckKind } from '../../lib/cli/check-entry.js';
import { reportDecodeErrors } from '../../lib/snapshot/decode-errors.js';
import { closed, listening } from '../checks/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rxdaemon-check-entry-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = (codec: typeof ReadyEntry | typeof HealthEntry, input: unknown): string => {
  const decoded = codec.decode(input);
  return decoded._tag === 'Left' ? reportDecodeErrors(decoded.left, '(the entry)').message : 'accepted';
};

describe('ReadyEntry and HealthEntry: a check as data', () => {
  it.each([
    { http: 'http://127.0.0.1:8080/healthz' },
    { http: 'https://example.com/ready', expectStatus: [200, 204], intervalMs: 1, timeoutMs: 2 ** 31 - 1, attemptTimeoutMs: 500 },
    { tcp: 5432 },
    { tcp: 65_535, host: 'db.internal' },
    { exec: ['pg_isready', '-h', 'localhost'] },
    { exec: ['true'] },
    { output: 'listening on \\d+' },
    { output: '^ready$', stream: 'stderr' },
  ])('ready takes %j', (entry) => {
    expect(ReadyEntry.decode(entry)).toEqual({ _tag: 'Right', right: entry });
  });

  it('health takes its own timing: intervalMs, timeoutMs, failures', () => {
    const entry = { tcp: 5432, intervalMs: 1_000, timeoutMs: 500, failures: 1 };
    expect(HealthEntry.decode(entry)).toEqual({ _tag: 'Right', right: entry });
  });

  it.each<[unknown, string]>([
    ['tcp', "`(the entry)`: expected a ready check: { \"http\": URL } | { \"tcp\": port } | { \"exec\": [command, ...args] } | { \"output\": regex }, with its timing, got 'tcp'"],
    [{}, '`(the entry)`: names no check: give exactly one of `http`, `tcp`, `exec` or `output`'],
    [{ intervalMs: 100 }, '`(the entry)`: names no check: give exactly one of `http`, `tcp`, `exec` or `output`'],
    [{ htpp: 'http://x/' }, '`htpp`: unknown field; did you mean `http`?'],
    [{ http: 'http://x/', tcp: 80 }, '`(the entry)`: `http` and `tcp` given: an entry is exactly one check, `http`, `tcp`, `exec` or `output`'],
    [{ exec: ['a'], output: 'x', tcp: 1 }, '`(the entry)`: `tcp` and `exec` and `output` given: an entry is exactly one check, `http`, `tcp`, `exec` or `output`'],
    [{ http: 'ftp://x/' }, "`http`: expected an http: or https: URL, got 'ftp://x/'"],
    [{ http: 'localhost:8080' }, "`http`: expected an http: or https: URL, got 'localhost:8080'"],
    [{ http: 'http://x/', expectStatus: [] }, '`expectStatus`: expected an array of HTTP status codes (integers between 100 and 599), at least one, got an array of 0'],
    [{ http: 'http://x/', expectStatus: [200, 600] }, '`expectStatus`: expected an array of HTTP status codes (integers between 100 and 599), at least one, got an array of 2'],
    [{ http: 'http://x/', expectedStatus: [200] }, '`expectedStatus`: unknown field; did you mean `expectStatus`?'],
    [{ http: 'http://x/', host: 'a' }, '`host`: a field of the `tcp` check, not of `http`'],
    [{ tcp: 0 }, '`tcp`: expected a port (an integer between 1 and 65535), got 0'],
    [{ tcp: '5432' }, "`tcp`: expected a port (an integer between 1 and 65535), got '5432'"],
    [{ tcp: 5432, host: '' }, "`host`: expected a non-empty string without NUL of at most 131072 characters, got ''"],
    [{ tcp: 5432, stream: 'stderr' }, '`stream`: a field of the `output` check, not of `tcp`'],
    [{ exec: 'pg_isready -h localhost' }, "`exec`: expected a command and its arguments: an array of strings, the first not empty, got 'pg_isready -h localhost'"],
    [{ exec: [] }, '`exec`: expected a command and its arguments: an array of strings, the first not empty, got an array of 0'],
    [{ exec: ['', '-h'] }, '`exec`: expected a command and its arguments: an array of strings, the first not empty, got an array of 2'],
    [{ output: '(' }, '`output`: does not compile as a regular expression: Invalid regular expression: /(/: Unterminated group'],
    [{ output: 'a{2,1}' }, '`output`: does not compile as a regular expression: Invalid regular expression: /a{2,1}/: numbers out of order in {} quantifier'],
    [{ output: 'x', stream: 'both' }, "`stream`: expected 'stdout' or 'stderr', got 'both'"],
    [{ tcp: 1, intervalMs: 0 }, '`intervalMs`: expected an integer number of ms between 1 and 2147483647, got 0'],
    [{ tcp: 1, timeoutMs: 2 ** 31 }, '`timeoutMs`: expected an integer number of ms between 1 and 2147483647, got 2147483648'],
    [{ tcp: 1, intervalMS: 100 }, '`intervalMS`: unknown field; did you mean `intervalMs`?'],
    [{ tcp: 1, failures: 3 }, '`failures`: a field of `health`, not of `ready`'],
  ])('ready refuses %j: %s', (input, message) => {
    expect(errorOf(ReadyEntry, input)).toBe(message);
  });

  it.each<[unknown, string]>([
    [{ tcp: 1, failures: 0 }, '`failures`: expected a positive integer, got 0'],
    [{ tcp: 1, attemptTimeoutMs: 100 }, '`attemptTimeoutMs`: a field of `ready`, not of `health`'],
    [{ tcp: 1, failure: 3 }, '`failure`: unknown field; did you mean `failures`?'],
  ])('health refuses %j: %s', (input, message) => {
    expect(errorOf(HealthEntry, input)).toBe(message);
  });

  it('kindOf: the check alone, without its timing', () => {
    expect(kindOf({ tcp: 5432, host: 'db', intervalMs: 1 })).toEqual({ tcp: 5432, host: 'db' });
    expect(kindOf({ http: 'http://x/', timeoutMs: 1 })).toEqual({ http: 'http://x/' });
    expect(kindOf({ exec: ['a', 'b'], failures: 2 })).toEqual({ exec: ['a', 'b'] });
    expect(kindOf({ output: 'x', stream: 'stderr', attemptTimeoutMs: 3 })).toEqual({ output: 'x', stream: 'stderr' });
  });
});

describe('checkOf: the built-in check an entry names', () => {
  const target: CheckTarget = { pid: process.pid, scheduler: asyncScheduler };
  const attempt = (kind: CheckKind, at: CheckTarget = target): Promise<Verdict> => firstValueFrom(attempt$(checkOf(kind, dir), at, 3_000));

  let server: HttpServer | undefined;
  afterEach(async () => {
    await closed(server);
    server = undefined;
  });

  it('http: 2xx passes by default; expectStatus lists the statuses that pass instead', async () => {
    let status = 204;
    server = createHttpServer((_, res) => res.writeHead(status).end());
    const port = await listening(server);
    const url = `http://127.0.0.1:${port}/healthz`;
    expect(await attempt({ http: url })).toEqual({ ok: true });
    expect(await attempt({ http: url, expectStatus: [200] })).toEqual({ ok: false, error: { code: 'EHTTPSTATUS', message: `HTTP 204 from ${url}` } });
    status = 503;
    expect(await attempt({ http: url, expectStatus: [200, 503] })).toEqual({ ok: true });
    expect((await attempt({ http: url })).ok).toBe(false);
  });

  it('tcp: the port of 127.0.0.1, or of the host given', async () => {
    server = createHttpServer();
    const port = await listening(server);
    expect(await attempt({ tcp: port })).toEqual({ ok: true });
    // Another loopback address, where this server does not listen: the host is the entry's.
    expect(await attempt({ tcp: port, host: '127.0.0.2' })).toMatchObject({ ok: false, error: { code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.2:${port}` } });
    await closed(server);
    server = undefined;
    expect(await attempt({ tcp: port })).toMatchObject({ ok: false, error: { code: 'ECONNREFUSED' } });
  });

  it('exec: a command with a / is the config directory’s, wherever the manager runs; a bare name is the PATH’s', async () => {
    writeFileSync(join(dir, 'check.sh'), '#!/bin/sh\n[ "$1" = yes ]\n');
    chmodSync(join(dir, 'check.sh'), 0o755);
    expect(process.cwd()).not.toBe(dir);
    expect(await attempt({ exec: ['./check.sh', 'yes'] })).toEqual({ ok: true });
    expect(await attempt({ exec: ['./check.sh', 'no'] })).toMatchObject({ ok: false, error: { code: 'EEXIT', message: 'check.sh exited with code 1' } });
    expect(await attempt({ exec: ['true'] })).toEqual({ ok: true });
  });

  it('output: the entry’s string is the pattern, on the stream it names', async () => {
    const stdout = join(dir, 'out.log');
    const stderr = join(dir, 'err.log');
    writeFileSync(stdout, 'starting\nlistening on 8080\n');
    writeFileSync(stderr, 'warming up\n');
    const run: CheckTarget = { ...target, stdout, stderr, stdoutStart: 0, stderrStart: 0 };
    expect(await attempt({ output: 'listening on \\d+' }, run)).toEqual({ ok: true });
    expect(await attempt({ output: 'listening on \\d+', stream: 'stderr' }, { ...run })).toMatchObject({ ok: false, error: { code: 'ENOMATCH' } });
  });
});
