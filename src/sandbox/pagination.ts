/** Opaque page markers: base64url of `scope:offset`, so a marker is only good for the listing that issued it. */

export interface Page<T> {
  readonly items: T[];
  /** Marker of the next page; undefined on the last page. */
  readonly next: string | undefined;
}

export interface PageSizes {
  /** The world's default when the request names no limit. */
  readonly pageSize?: number | undefined;
  /** The world's cap on every page. */
  readonly maxPageSize?: number | undefined;
}

export function pageSize(requested: number | undefined, serviceDefault: number, sizes: PageSizes): number {
  const size = requested ?? sizes.pageSize ?? serviceDefault;
  return Math.max(1, Math.min(size, sizes.maxPageSize ?? size));
}

/** One page of `items` from the marker on; undefined when the marker is not one this scope issued. */
export function paginate<T>(
  items: readonly T[],
  size: number,
  marker: string | undefined,
  scope: string,
): Page<T> | undefined {
  let offset = 0;
  if (marker !== undefined) {
    const decoded = Buffer.from(marker, 'base64url').toString('utf8');
    const separator = decoded.lastIndexOf(':');
    offset = Number(decoded.slice(separator + 1));
    if (decoded.slice(0, separator) !== scope || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  }
  const end = offset + size;
  const next = end < items.length ? Buffer.from(`${scope}:${end}`).toString('base64url') : undefined;
  return { items: items.slice(offset, end), next };
}
