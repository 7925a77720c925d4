import { readlinkSync } from 'node:fs';
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
