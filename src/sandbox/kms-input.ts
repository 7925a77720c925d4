import { AwsFault } from './fault.js';

export type Input = Record<string, unknown>;

export function validation(member: string, constraint: string, value: unknown): AwsFault {
  return new AwsFault(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw validation(name[0]?.toLowerCase() + name.slice(1), 'Member must not be null', value);
  }
  return value;
}

export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
}

export function limit(input: Input, max: number): number | undefined {
  const value = input.Limit;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw validation('limit', `Member must have value between 1 and ${max}`, value);
  }
  return value;
}

export function invalidMarker(): AwsFault {
  return new AwsFault(
    'InvalidMarkerException',
    'The marker that specifies where pagination should next begin is not valid.',
  );
}
