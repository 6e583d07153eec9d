import type { Exchange } from '../http/exchange.ts';
import { authenticate } from './authenticate.ts';
import { createCompletion } from './completion.ts';
import { invalidRequest, sendOpenAiError } from './errors.ts';
import { generateChoices } from './generate-reply.ts';
import { parseChatRequest } from './parse-request.ts';
import type { PromptCache } from './prompt-cache.ts';
import { promptTokens } from './prompt-tokens.ts';
import { respondJson } from './respond-json.ts';
import { respondStream } from './respond-stream.ts';
import { buildUsage } from './usage.ts';

export interface ChatCompletionsContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  promptCache: PromptCache;
}

// Same wording as the API's reply to a body that is not JSON.
const INVALID_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

/**
 * `POST /v1/chat/completions`, checked in the API's order: auth, JSON, parameters, model.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export async function handleChatCompletions(
  exchange: Exchange,
  context: ChatCompletionsContext,
): Promise<void> {
  const auth = authenticate(exchange, context.apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  if (!exchange.body.isJson) return sendOpenAiError(exchange, 400, invalidRequest(INVALID_JSON, null, null));
  const parsed = parseChatRequest(exchange.body.value);
  if (!parsed.ok) return sendOpenAiError(exchange, 400, parsed.error);
  const request = parsed.request;
  if (context.models && !context.models.includes(request.model)) {
    return sendOpenAiError(
      exchange,
      404,
      invalidRequest(
        `The model \`${request.model}\` does not exist or you do not have access to it.`,
        null,
        'model_not_found',
      ),
    );
  }
  const prompt = promptTokens(request);
  const cachedTokens = context.promptCache.lookupAndStore(`${auth.apiKey}\0${request.model}`, prompt);
  const choices = generateChoices(request, {
    replyTokens: exchange.fault?.replyTokens,
    ignoreMaxTokens: exchange.fault?.ignoreMaxTokens === true,
  });
  const completion = createCompletion(request, choices, buildUsage(prompt.length, cachedTokens, choices));
  if (request.stream) return respondStream(exchange, completion, request);
  respondJson(exchange, completion);
}
