import type { Provider } from '../providers/index.ts';

/** One target of a model's fallback chain: a provider and the id it knows the model by. */
export interface ModelRoute {
  provider: Provider;
  /** The model id the upstream knows. */
  model: string;
  /** Share of traffic among the model's targets; unset means plain fallback order. */
  weight?: number;
}
