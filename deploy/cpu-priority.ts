/**
 * CPU priorities that hold on Linux with autogroups (`kernel.sched_autogroup_enabled`, on by default
 * in most distributions' kernels). With autogroups the scheduler first shares the CPU equally between
 * *sessions*, and a process's nice value only weighs against the other processes of its own session.
 * A niced process that leads a session of its own (a supervisor's detached child, and every
 * PostgreSQL server process: PostgreSQL calls setsid() in each one) therefore competes at full weight
 * with everything else, whatever its nice. The session's weight is its autogroup's nice
 * (`/proc/<pid>/autogroup`), which this module keeps equal to the leader's own nice.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  sid: number;
  nice: number;
}

function readStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited while we looked
  }
  // pid (comm) state ppid pgrp session ... nice is the 19th field; comm may hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, ppid: Number(fields[1]), sid: Number(fields[3]), nice: Number(fields[16]) };
}

/** Whether this kernel shares the CPU between sessions first (Linux only). */
export function autogroupsEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** The nice of the autogroup (session) `pid` belongs to, if the kernel has autogroups. */
export function autogroupNice(pid: number): number | undefined {
  try {
    const m = /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Weigh the session `pid` leads (a child just spawned detached) at `nice`: lowers only, best effort.
 * Returns whether the session now weighs as `nice` (false without autogroups or permission).
 */
export function weighSession(pid: number, nice: number): boolean {
  if (!autogroupsEnabled()) return false;
  const current = autogroupNice(pid);
  if (current === undefined) return false;
  if (current >= nice) return true;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch {
    return false;
  }
}

/**
 * One pass: every session leader among `root`'s descendants that runs at a lower priority (nice > 0)
 * gets its session's weight lowered to match. Priorities are only ever lowered, never raised. Returns
 * the pids changed; what cannot be changed (another user's process, no permission) is left as it is.
 */
export function alignAutogroups(root: number = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const stats = new Map<number, ProcStat>();
  for (const entry of entries) {
    const s = readStat(Number(entry));
    if (s) stats.set(s.pid, s);
  }
  const below = new Map<number, boolean>([[root, true]]);
  const isBelow = (pid: number): boolean => {
    const path: number[] = [];
    let at: number | undefined = pid;
    let answer = false;
    while (at !== undefined && at > 1 && path.length < 64) {
      const known = below.get(at);
      if (known !== undefined) {
        answer = known;
        break;
      }
      path.push(at);
      at = stats.get(at)?.ppid;
    }
    for (const p of path) below.set(p, answer);
    return answer;
  };
  const changed: number[] = [];
  for (const s of stats.values()) {
    if (s.pid !== s.sid || !(s.nice > 0) || s.pid === root || !isBelow(s.pid)) continue;
    const current = autogroupNice(s.pid);
    if (current === undefined || current >= s.nice) continue;
    try {
      writeFileSync(`/proc/${s.pid}/autogroup`, String(s.nice));
      changed.push(s.pid);
    } catch {
      // not ours to change
    }
  }
  return changed;
}

/**
 * Keep `root`'s niced descendants' sessions at their nice, now and every `everyMs` (new PostgreSQL
 * connections are new sessions). Does nothing where the kernel has no autogroups.
 */
export function keepNicedSessionsBehind(
  root: number = process.pid,
  everyMs = 500,
): { enabled: boolean; aligned(): number; stop(): void } {
  if (!autogroupsEnabled()) return { enabled: false, aligned: () => 0, stop: () => undefined };
  let count = alignAutogroups(root).length;
  const timer = setInterval(() => {
    count += alignAutogroups(root).length;
  }, everyMs);
  timer.unref();
  return { enabled: true, aligned: () => count, stop: () => clearInterval(timer) };
}
