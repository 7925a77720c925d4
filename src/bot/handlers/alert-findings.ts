import type { AlertLocation, StoredFinding } from '../../usecases/store-port.js';
import type { BotDeps } from './deps.js';

/** The open findings of an alert, as the record has them (never what a button or form carries). */
export function openFindingsOf(deps: BotDeps, location: AlertLocation): StoredFinding[] {
  return deps.record
    .alertFindings(location)
    .map((fp) => deps.record.finding(fp))
    .filter((f): f is StoredFinding => f !== undefined && f.status === 'open');
}
