/**
 * Process groups of the processes a supervisor starts detached (`npm run ...`: npm, sh, node and
 * what node spawns share one group). A group is stopped when every *live* member is gone: a zombie
 * (exited, not yet reaped by whoever inherited it) still answers `kill(-pgid, 0)`, and waiting on it
 * would wait forever.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface GroupMember {
  pid: number;
  state: string;
  command: string;
}

/** The live members of process group `pgid` (Linux /proc); elsewhere, whether `kill(-pgid, 0)` answers. */
export function groupMembers(pgid: number): GroupMember[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return signalGroup(pgid, 0) ? [{ pid: pgid, state: '?', command: '?' }] : [];
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    members.push({ pid: Number(entry), state: state!, command: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return members;
}

/** Send `signal` to the group; false when it has no member left (never throws). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM the group, SIGKILL it after `graceMs`, and resolve once no live member is left.
 * Returns how it ended, for the supervisor to say.
 */
export async function stopGroup(
  pgid: number,
  graceMs: number,
): Promise<{ ms: number; killed: boolean; left: GroupMember[] }> {
  const started = Date.now();
  if (!groupMembers(pgid).length) return { ms: 0, killed: false, left: [] };
  signalGroup(pgid, 'SIGTERM');
  let killed = false;
  for (;;) {
    const members = groupMembers(pgid);
    if (!members.length) return { ms: Date.now() - started, killed, left: [] };
    const elapsed = Date.now() - started;
    if (elapsed > graceMs && !killed) {
      signalGroup(pgid, 'SIGKILL');
      killed = true;
    }
    // SIGKILL cannot be refused: what is still listed 10 s later is stuck in the kernel (D state).
    if (killed && elapsed > graceMs + 10_000) return { ms: elapsed, killed, left: members };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `cmd args` at a lower CPU priority (`nice`, 0-19; 0 runs it as is). `nice` execs the command, so
 * the pid is the command's and everything it starts inherits the priority.
 */
export function niced(niceness: number, cmd: string, args: readonly string[]): [string, string[]] {
  return niceness > 0 ? ['nice', ['-n', String(niceness), cmd, ...args]] : [cmd, [...args]];
}
