import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alignAutogroups,
  autogroupNice,
  autogroupsEnabled,
  keepNicedSessionsBehind,
  weighSession,
} from './cpu-priority.js';
import { niced } from './process-group.js';

const children: ChildProcess[] = [];
/** `sleep 30` at `nice`, leading a session of its own (`detached`) or in ours. */
function sleeper(nice: number, detached: boolean): number {
  const child = spawn(...niced(nice, 'sleep', ['30']), { detached, stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}
const started = () => new Promise((r) => setTimeout(r, 150)); // `nice` has exec'd `sleep`

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('niced sessions under autogroups', () => {
  it("lowers the weight of a niced session leader's session to its nice, and nothing else", async () => {
    const leader7 = sleeper(7, true);
    const leader0 = sleeper(0, true);
    const inOurSession = sleeper(5, false);
    await started();
    const ours = autogroupNice(process.pid);
    if (!autogroupsEnabled()) {
      // Without autogroups a nice already weighs against every process: nothing to do, nothing done.
      expect(alignAutogroups()).toEqual([]);
      expect(keepNicedSessionsBehind().enabled).toBe(false);
      return;
    }
    expect(autogroupNice(leader7)).toBe(0); // a new session starts at full weight, whatever its nice
    // Only the descendants of the given root are touched: the nice-0 sleeper has none.
    expect(alignAutogroups(leader0)).toEqual([]);
    expect(autogroupNice(leader7)).toBe(0);

    expect(alignAutogroups()).toEqual([leader7]);
    expect(autogroupNice(leader7)).toBe(7);
    expect(autogroupNice(leader0)).toBe(0); // not niced: left at full weight
    expect(autogroupNice(inOurSession)).toBe(ours); // not a leader: its session is ours
    expect(alignAutogroups()).toEqual([]); // done once

    // The keeper does the same for sessions started later (new PostgreSQL connections).
    const keeper = keepNicedSessionsBehind(process.pid, 50);
    try {
      expect(keeper.enabled).toBe(true);
      const later = sleeper(12, true);
      await started();
      await new Promise((r) => setTimeout(r, 150));
      expect(autogroupNice(later)).toBe(12);
      expect(keeper.aligned()).toBe(1);
    } finally {
      keeper.stop();
    }
  });

  it('weighs a session just started, and never raises one', async () => {
    const leader = sleeper(9, true);
    if (!autogroupsEnabled()) {
      expect(weighSession(leader, 9)).toBe(false);
      return;
    }
    // At once (spawn returns after the exec that made the session): no wait for the nice to apply.
    expect(weighSession(leader, 9)).toBe(true);
    expect(autogroupNice(leader)).toBe(9);
    expect(weighSession(leader, 3)).toBe(true);
    expect(autogroupNice(leader)).toBe(9);
    expect(weighSession(2 ** 22 + 1, 9)).toBe(false); // no such process
  });
});
