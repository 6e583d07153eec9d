import { type MediaPrice, mediaCost, type TokenPrice, tokenCost } from '../billing/index.ts';
import type { MeteredUsage } from '../contracts/index.ts';

/** A catalog price of any kind: per token (chat) or per media unit. */
export type ModelPrice = TokenPrice | MediaPrice;

const isMedia = (price: ModelPrice): price is MediaPrice => 'kind' in price;

/**
 * What `usage` costs at `price`, in integer micro-credits: the one pricing function of the
 * metered pipeline. A usage of another kind than the price (tokens against a per-image price)
 * is a programming error, not a free call.
 */
export function priceOf(price: ModelPrice, usage: MeteredUsage): number {
  if (usage.unit === 'tokens' && !isMedia(price)) return tokenCost(price, usage.tokens);
  if (isMedia(price)) {
    if (usage.unit === 'images' && price.kind === 'image')
      return mediaCost(price, { images: usage.images, tier: usage.tier });
    if (usage.unit === 'video' && price.kind === 'video')
      return mediaCost(price, { clips: usage.clips, seconds: usage.seconds });
    if (usage.unit === 'requests' && price.kind === 'audio')
      return mediaCost(price, { requests: usage.requests });
    if (usage.unit === 'gpu-seconds' && price.kind === 'gpu')
      return mediaCost(price, { seconds: usage.seconds });
  }
  throw new Error(
    `usage in ${usage.unit} cannot be priced by a ${isMedia(price) ? price.kind : 'token'} price`,
  );
}
