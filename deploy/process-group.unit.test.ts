import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupMembers, stopGroup } from './process-group.js';

/** A detached shell (its own process group) running `script`, with a child of its own. */
function group(script: string) {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  return child.pid!;
}

describe('process groups', () => {
  it('lists the live members, stops them with SIGTERM and then lists none', async () => {
    const pgid = group('sleep 30 & wait');
    await new Promise((r) => setTimeout(r, 200));
    const members = groupMembers(pgid);
    expect(members.map((m) => m.command).sort()).toEqual(['sh', 'sleep']);
    const end = await stopGroup(pgid, 5_000);
    expect(end.killed).toBe(false);
    expect(end.left).toEqual([]);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('kills a group that ignores SIGTERM once the grace period is over', async () => {
    const pgid = group(`trap '' TERM; sleep 30 & wait; sleep 30`);
    await new Promise((r) => setTimeout(r, 200));
    const end = await stopGroup(pgid, 500);
    expect(end.killed).toBe(true);
    expect(end.ms).toBeGreaterThanOrEqual(500);
    expect(groupMembers(pgid)).toEqual([]);
  });
});
