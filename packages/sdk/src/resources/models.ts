import type { RequestOptions } from '../core/http.ts';
import type { Model, ModelList } from '../types/models.ts';
import { Resource, segment } from './resource.ts';

/** `GET /v1/models`: every chat and media model, media ones with endpoint and price. */
export class Models extends Resource {
  list(options: RequestOptions = {}): Promise<ModelList> {
    return this.http.json<ModelList>({ method: 'GET', path: '/v1/models' }, options);
  }

  retrieve(id: string, options: RequestOptions = {}): Promise<Model> {
    return this.http.json<Model>({ method: 'GET', path: `/v1/models/${segment(id)}` }, options);
  }
}
