/**
 * Structured logs: one object per event, never a token, a secret, credentials or a whole key policy. The entry point
 * decides where they go (the logging adapter: JSON lines on stderr).
 */
export interface Log {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A log that drops everything (commands that print their own output). */
export const SILENT_LOG: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
