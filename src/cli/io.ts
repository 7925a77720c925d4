/** The process boundary a command talks through, so tests can run commands in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  /**
   * Resolves once what was written to stdout has been taken by the reader (a pipe holds little): a command writing
   * a large output waits on it now and then, so that its output is never held in memory whole. Absent where writes
   * never wait (commands run in a test).
   */
  readonly stdoutDrained?: () => Promise<void>;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly readStdin: () => Promise<string>;
  readonly fileExists: (path: string) => boolean;
  /**
   * The entries of a folder (folders marked; the process's own version follows symbolic links, once per real
   * folder), or undefined when the path is not a folder. Absent where commands only read the files they are given.
   */
  readonly listDirectory?: (path: string) => Promise<{ name: string; directory: boolean }[] | undefined>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal, so progress lines may be drawn on it. */
  readonly stderrIsTTY: boolean;
  /**
   * Runs `cleanup` if the process is interrupted (SIGINT, SIGTERM) and then exits, with the status `cleanup` returns
   * (130 or 143 when it returns none); returns the function that stops watching. Absent where no signal can arrive
   * (commands run in a test).
   */
  readonly onInterrupt?: (cleanup: () => Promise<number | undefined> | number | undefined) => () => void;
  /**
   * Asks a yes-or-no question on the terminal; absent when there is no terminal to ask on (a pipe, a script, CI),
   * so that a command needing consent refuses instead of assuming it.
   */
  readonly confirm?: (question: string) => Promise<boolean>;
}
