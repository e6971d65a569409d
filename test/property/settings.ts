/** fast-check settings for `npm test`: a fixed seed; `PROPERTY_RUNS` and `PROPERTY_SEED` widen the search. */
import type { Parameters } from 'fast-check';

export function propertySettings<T>(defaultRuns = 2000): Parameters<T> {
  return {
    seed: Number(process.env.PROPERTY_SEED ?? 20261129),
    numRuns: Number(process.env.PROPERTY_RUNS ?? defaultRuns),
  };
}
