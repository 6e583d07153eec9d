import type { WireDialect } from '../contracts/index.ts';
import type { ProviderAdapter } from './types.ts';

/**
 * How one client wire format reaches one upstream API — decided here and nowhere else:
 * passed through when the upstream speaks it, otherwise translated through the canonical
 * chat form into chat (when the upstream speaks it) or into the upstream's own format.
 */
export type WirePlan =
  | { mode: 'pass-through'; wire: WireDialect; path: string }
  | { mode: 'translate'; wire: WireDialect; path: string };

export function planWire(client: WireDialect, adapter: ProviderAdapter): WirePlan {
  const own = adapter.speaks[client];
  if (own !== undefined) return { mode: 'pass-through', wire: client, path: own };
  const wire = adapter.speaks['openai-chat'] !== undefined ? 'openai-chat' : nativeWire(adapter);
  return { mode: 'translate', wire, path: adapter.speaks[wire] ?? '' };
}

/** The API's own format: the first it speaks (the family its models are listed under). */
export function nativeWire(adapter: ProviderAdapter): WireDialect {
  const [first] = Object.keys(adapter.speaks) as WireDialect[];
  if (first === undefined) throw new Error(`adapter ${adapter.id} speaks no wire format`);
  return first;
}
