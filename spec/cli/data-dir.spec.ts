import { describe, expect, it } from 'vitest';
import { dataDirOf } from '../../lib/cli/data-dir.js';
import { UsageError } from '../../lib/cli/output.js';

const home = () => '/home/ada';

describe('dataDirOf: --data-dir, else $RXDAEMON_HOME, else $XDG_STATE_HOME/rxdaemon, else ~/.local/state/rxdaemon', () => {
  it.each([
    ['--data-dir first', '/srv/d', { RXDAEMON_HOME: '/r', XDG_STATE_HOME: '/x' }, '/srv/d'],
    ['RXDAEMON_HOME', undefined, { RXDAEMON_HOME: '/r', XDG_STATE_HOME: '/x' }, '/r'],
    ['XDG_STATE_HOME', undefined, { XDG_STATE_HOME: '/x' }, '/x/rxdaemon'],
    ['the XDG default', undefined, {}, '/home/ada/.local/state/rxdaemon'],
    ['an empty RXDAEMON_HOME is none', undefined, { RXDAEMON_HOME: '', XDG_STATE_HOME: '/x' }, '/x/rxdaemon'],
    ['a relative XDG_STATE_HOME is ignored, as the XDG spec says', undefined, { XDG_STATE_HOME: 'state' }, '/home/ada/.local/state/rxdaemon'],
  ])('%s', (_, flag, env, dir) => {
    expect(dataDirOf(flag, env, home)).toBe(dir);
  });

  it('makes a relative RXDAEMON_HOME absolute', () => {
    expect(dataDirOf(undefined, { RXDAEMON_HOME: 'here' }, home)).toBe(`${process.cwd()}/here`);
  });

  it('refuses an empty --data-dir', () => {
    expect(() => dataDirOf('', {}, home)).toThrow(UsageError);
  });
});
