import type { KeySnapshot } from '../../../core/scan/types.js';
import type { TrustEntry } from '../../../core/trust.js';
import type { ScanPlan } from '../../../usecases/scan-plan.js';
import type { ScanOutcome, ScanProgress } from '../../../usecases/scan-types.js';
import type { WireError } from '../../threads/wire-errors.js';
import type { AwsGatewayOptions } from '../aws-gateway.js';

/** What the scan worker is started with: its gateway's options (the SDK reads the environment itself). */
export interface ScannerStart {
  readonly gateway: AwsGatewayOptions;
}

export type ToScanner =
  | { readonly type: 'scan'; readonly plan: ScanPlan; readonly id: string; readonly progress: boolean }
  | { readonly type: 'abort' }
  /** The last batch of keys was taken: send more. */
  | { readonly type: 'taken' };

export type FromScanner =
  | { readonly type: 'begin'; readonly trusted: readonly TrustEntry[] }
  | { readonly type: 'keys'; readonly batch: readonly KeySnapshot[] }
  | { readonly type: 'progress'; readonly progress: ScanProgress }
  | { readonly type: 'done'; readonly outcome: ScanOutcome }
  | { readonly type: 'failed'; readonly error: WireError };
