import type { BatchExtent } from '../../usecases/store-port.js';

/**
 * The notifications of a BatchExtent (bound with extentParams): waiting, in no delivery yet, new findings (opened, or
 * opened again or worse with no alert to reply in) of its scan (or of its trust change's moment), in its channel's
 * accounts, of its key when it names one.
 */
export const IN_EXTENT = `state = 'pending' AND delivery_id IS NULL
  AND (kind = 'finding-opened' OR (kind IN ('finding-reopened', 'finding-escalated')
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.fingerprint = outbox.fingerprint)))
  AND CASE WHEN @scan IS NULL THEN json_extract(payload, '$.scanId') IS NULL AND created_at = @at
           ELSE json_extract(payload, '$.scanId') = @scan END
  AND CASE WHEN @only IS NULL THEN coalesce(account_id, '') NOT IN (SELECT value FROM json_each(@except))
           ELSE account_id IN (SELECT value FROM json_each(@only)) END
  AND (@key IS NULL OR json_extract(payload, '$.finding.keyArn') = @key)`;

export interface ExtentParams {
  scan: string | null;
  at: string | null;
  only: string | null;
  except: string;
  key: string | null;
}

export function extentParams(extent: BatchExtent): ExtentParams {
  const { accounts } = extent;
  return {
    scan: extent.scanId,
    at: extent.createdAt,
    only: 'only' in accounts ? JSON.stringify(accounts.only) : null,
    except: JSON.stringify('except' in accounts ? accounts.except : []),
    key: extent.keyArn ?? null,
  };
}
