/**
 * Remembers the promise of an async call by key, so concurrent and later calls with the same
 * key share one execution. A rejected call is forgotten, so the next caller tries again.
 */
export function memoize<A extends unknown[], R>(fn: (...args: A) => Promise<R>, key: (...args: A) => string): (...args: A) => Promise<R> {
  const results = new Map<string, Promise<R>>();
  return (...args: A) => {
    const k = key(...args);
    let result = results.get(k);
    if (!result) {
      result = fn(...args);
      results.set(k, result);
      result.catch(() => results.delete(k));
    }
    return result;
  };
}
