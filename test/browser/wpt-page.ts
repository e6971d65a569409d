/** Browser entry of the WPT case table: exposes `observeWptCase(id, transport)` to the test. */
import { observe, wptCases, type Observation, type Transport } from '../client/wpt-cases.js';

declare global {
  var observeWptCase: (id: string, transport: Transport) => Promise<Observation>;
}

globalThis.observeWptCase = (id, transport) => {
  const wptCase = wptCases.find((candidate) => candidate.id === id);
  if (!wptCase) throw new Error(`No WPT case "${id}"`);
  return observe(wptCase, location.origin, transport);
};
