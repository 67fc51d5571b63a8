/** One item's share of a batch handler's return value. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: Error };

/** The handler broke its contract (not one outcome per item): every item fails and is retried. */
export class BatchOutcomeError extends Error {
  override readonly name = 'BatchOutcomeError';
}

/**
 * Splits what a batch handler returned into one outcome per item: nothing means every item
 * succeeded; an array must hold one entry per item, an Error failing that item alone.
 */
export function itemOutcomes<R>(returned: unknown, count: number): ItemOutcome<R>[] {
  if (returned === undefined) return Array.from({ length: count }, () => ({ ok: true, value: undefined as R }));
  if (!Array.isArray(returned) || returned.length !== count) {
    const got = Array.isArray(returned) ? `${returned.length} outcomes` : typeof returned;
    const error = new BatchOutcomeError(`batch handler returned ${got} for ${count} items: return nothing or one outcome per item`);
    return Array.from({ length: count }, () => ({ ok: false, error }));
  }
  return returned.map((r: unknown) => (r instanceof Error ? { ok: false, error: r } : { ok: true, value: r as R }));
}
