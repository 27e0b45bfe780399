import { defer, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Retirement } from '../../lib/manager/retirement.js';

describe('Retirement: the processes of each id on their way out', () => {
  it('stops dependents before what they depend on, and starts a new daemon of an id only once its last process is gone', () => {
    const retirement = new Retirement();
    const gone = new Map<string, Subject<never>>();
    const stopping: string[] = [];
    const leaving = new Map(Object.entries({ db: { command: 'db' }, api: { command: 'api', after: ['db'] }, web: { command: 'web', after: ['api'] } }));
    retirement.inOrder(leaving, (id, after$) => {
      const gone$ = new Subject<never>();
      gone.set(id, gone$);
      // Its stop begins when the retirement subscribes to it.
      retirement.chain(id, defer(() => (stopping.push(id), gone$)), after$);
    });
    const started: string[] = [];
    retirement.whenGone('db', () => started.push('db'));
    let settled = false;
    retirement.settled().subscribe({ complete: () => (settled = true) });
    expect(stopping).toEqual(['web']);
    gone.get('web')?.complete();
    expect(stopping).toEqual(['web', 'api']);
    gone.get('api')?.complete();
    expect(stopping).toEqual(['web', 'api', 'db']);
    expect(started).toEqual([]);
    expect(settled).toBe(false);
    gone.get('db')?.complete();
    expect(started).toEqual(['db']);
    expect(settled).toBe(true);
  });
});
