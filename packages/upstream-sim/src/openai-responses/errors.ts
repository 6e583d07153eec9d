import { errorForStatus, invalidRequest, type OpenAiErrorBody, openAiError } from '../openai-chat/errors.ts';

/** A request the API refuses with a status other than the parser's 400. */
export class RequestRefused extends Error {
  readonly status: number;
  readonly body: OpenAiErrorBody;

  constructor(status: number, body: OpenAiErrorBody) {
    super(body.error.message);
    this.status = status;
    this.body = body;
  }
}

export function responseNotFound(id: string): RequestRefused {
  return new RequestRefused(404, invalidRequest(`Response with id '${id}' not found.`, null, null));
}

/** How the API refuses an unknown `previous_response_id` (also one stored under another key). */
export function previousResponseNotFound(id: string): RequestRefused {
  return new RequestRefused(
    400,
    invalidRequest(
      `Previous response with id '${id}' not found.`,
      'previous_response_id',
      'previous_response_not_found',
    ),
  );
}

/** A replayed item that only exists server-side (no `encrypted_content`, not stored). */
export function itemNotFound(id: string): RequestRefused {
  return new RequestRefused(
    404,
    invalidRequest(
      `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
      'input',
      null,
    ),
  );
}

/** An `item_reference` to an item that was never stored (or not under this key). */
export function referenceNotFound(id: string): RequestRefused {
  return new RequestRefused(404, invalidRequest(`Item with id '${id}' not found.`, 'input', null));
}

const CODE_STATUS: Record<string, number> = {
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  context_length_exceeded: 400,
  invalid_prompt: 400,
  invalid_request_error: 400,
  server_is_overloaded: 503,
};

/** A `streamError` fault on a non-streaming request: the same code as an HTTP error. */
export function streamErrorAsHttp(code: string, message: string): { status: number; body: OpenAiErrorBody } {
  const status = CODE_STATUS[code] ?? 500;
  return { status, body: openAiError(message, errorForStatus(status).error.type, null, code) };
}
