import type { ModelRoute } from './model-route.ts';

/**
 * The order to try a model's targets in: the configured order, or — when weights are
 * given — a weighted random order, so load spreads across healthy targets by weight
 * while the others remain fallbacks.
 */
export function orderTargets(
  routes: readonly ModelRoute[],
  random: () => number = Math.random,
): ModelRoute[] {
  if (!routes.some((route) => route.weight !== undefined)) return [...routes];
  const pool = routes.map((route) => ({ route, weight: Math.max(0, route.weight ?? 1) }));
  const ordered: ModelRoute[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, entry) => sum + entry.weight, 0);
    const pick = random() * total;
    let index = 0;
    for (let cumulative = 0; index < pool.length - 1; index++) {
      cumulative += pool[index]!.weight;
      if (pick < cumulative) break;
    }
    ordered.push(pool[index]!.route);
    pool.splice(index, 1);
  }
  return ordered;
}

export const targetKey = (route: ModelRoute): string => `${route.provider.name}/${route.model}`;
