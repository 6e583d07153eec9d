import type { FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import type { Json } from '../contracts/index.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { findAnswerOwner } from '../usage/index.ts';

const idOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object' && typeof (value as Json)['id'] === 'string'
      ? ((value as Json)['id'] as string)
      : undefined;

/**
 * A Responses request may point at objects stored upstream, under the operator's one
 * account: `previous_response_id`, a `conversation`, `item_reference` input items. Each
 * must be the caller's, else it is a 404 exactly like an id that does not exist:
 * - a previous response is the caller's when the caller's own call created it (the
 *   request log records each answer's `response_id` with its user);
 * - conversations and item references have no recorded owner (the gateway serves no
 *   conversation routes and does not record item ids), so none is the caller's.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export async function refuseForeignReferences(db: Database, request: FastifyRequest): Promise<void> {
  const json = (request.body as { json?: unknown } | undefined)?.json;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return;
  const body = json as Json;
  const principal = request.hypereal.principal as AuthenticatedKey;

  const previous = body['previous_response_id'];
  if (typeof previous === 'string' && previous.length > 0) {
    if (!(await findAnswerOwner(db, principal.userId, previous))) {
      throw new GatewayError('not_found', {
        param: 'previous_response_id',
        message: `Previous response with id '${previous.slice(0, 200)}' not found.`,
      });
    }
  }
  const conversation = idOf(body['conversation']);
  if (conversation !== undefined) {
    throw new GatewayError('not_found', {
      param: 'conversation',
      message: `Conversation with id '${conversation.slice(0, 200)}' not found.`,
    });
  }
  const input = body['input'];
  if (Array.isArray(input)) {
    const index = input.findIndex(
      (item) => item && typeof item === 'object' && (item as Json)['type'] === 'item_reference',
    );
    if (index >= 0) {
      throw new GatewayError('not_found', {
        param: `input[${index}]`,
        message: `Item with id '${String(idOf(input[index]) ?? '').slice(0, 200)}' not found.`,
      });
    }
  }
}
