import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** The machine this process runs on, as other processes sharing the database see it. */
export const HOST = hostname();

/**
 * The PID namespace of this process (Linux; '' elsewhere): containers sharing a host name (host networking) each
 * number their processes apart, so a process ID says something only within one namespace.
 */
export const PID_NAMESPACE = pidNamespace();

/** Whether a process of this machine still runs (signal 0 only asks; EPERM means it runs as someone else). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** When this process started, as the kernel counts it (Linux; '' elsewhere): with its ID, it names this process. */
export const PROCESS_START = processStart(process.pid);

/**
 * When process `pid` of this machine started (Linux: field 22 of /proc/PID/stat, in clock ticks since boot; '' when it
 * cannot be read): a process ID reused by another process (a container restarted) comes with another start time.
 */
export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields follow the command name, which is in parentheses and may hold spaces: field 22 is the 20th after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * A process that held something in the database (a lease, a claim, staged keys) is known to have stopped: it ran on
 * this machine and in this PID namespace, and no longer runs, or its ID now names a process started at another time.
 * False when this process cannot tell (another machine or namespace): the holder's lease tells then.
 */
export function stoppedHere(holder: {
  readonly host: string;
  readonly pidNamespace: string;
  readonly pid: number;
  readonly processStart?: string;
}): boolean {
  if (holder.host !== HOST || holder.pidNamespace !== PID_NAMESPACE) return false;
  if (!isAlive(holder.pid)) return true;
  return holder.processStart !== undefined && processStart(holder.pid) !== holder.processStart;
}
