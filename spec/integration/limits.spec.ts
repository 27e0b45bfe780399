import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('limits of a real process', () => {
  it("names RLIMIT_NPROC for a user other than root, with that user's tasks in use", () => {
    // Run under a low RLIMIT_NPROC; as root it binds no one, so the check is asked about `nobody`.
    const module = fileURLToPath(new URL('../../lib/process/limits.ts', import.meta.url));
    const script = `import { processHeadroom } from ${JSON.stringify(module)}; console.log(JSON.stringify(processHeadroom(1000, 65534)))`;
    const out = execFileSync('prlimit', ['--nproc=100:100', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const headroom = JSON.parse(out) as { limit: string; value: number; more: number; raise: string };
    expect(headroom).toMatchObject({ limit: 'RLIMIT_NPROC', value: 100 });
    expect(headroom.more).toBeLessThanOrEqual(100 - 32);
    expect(headroom.raise).toContain('LimitNPROC=');
  });
});
