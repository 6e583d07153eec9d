/** `GET /v1/models`: chat models, and media models with their endpoint and price. */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  kind: 'chat' | 'image' | 'video' | 'audio' | 'gpu' | (string & {});
  /** Media models only: the route that serves them (`POST /v1/images/generations`…). */
  endpoint?: string;
  modalities?: string[];
  /** Media models only: price per unit, in credits (100 credits = $1). */
  pricing?: { currency: 'credits'; [unit: string]: number | string };
  /** Image models only: what a request may ask for (sizes, aspect ratios, n…). */
  options?: Record<string, unknown>;
}

export interface ModelList {
  object: 'list';
  data: Model[];
}
