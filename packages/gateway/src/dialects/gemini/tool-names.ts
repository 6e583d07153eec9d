import type { Json } from '../../contracts/index.ts';

/**
 * Chat function names: letters, digits, `_` and `-`, at most 64.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
const chatName = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Gemini also allows `.` and `:`; those become `_` for chat.
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */
function sanitize(name: string): string {
  if (chatName.test(name)) return name;
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned.length > 0 ? cleaned : '_';
}

export interface ToolNames {
  toChat(name: string): string;
  toGemini(name: string): string;
}

/**
 * Function names both ways, rebuilt from the Gemini request's own declarations, so
 * the answer can be translated back without state kept between request and answer
 * (names are sanitized on the way to chat, and a reverse map finds them again).
 * Two names that sanitize alike get a numbered suffix, in declaration order.
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */
export function toolNames(body: Json): ToolNames {
  const toChat = new Map<string, string>();
  const toGemini = new Map<string, string>();
  const tools = Array.isArray(body['tools']) ? (body['tools'] as unknown[]) : [];
  for (const tool of tools) {
    const declarations = (tool as Json | null)?.['functionDeclarations'];
    for (const declaration of Array.isArray(declarations) ? (declarations as Json[]) : []) {
      const name = declaration?.['name'];
      if (typeof name !== 'string' || toChat.has(name)) continue;
      let chat = sanitize(name);
      for (let suffix = 2; toGemini.has(chat); suffix++) chat = `${sanitize(name).slice(0, 60)}_${suffix}`;
      toChat.set(name, chat);
      toGemini.set(chat, name);
    }
  }
  return {
    toChat: (name) => toChat.get(name) ?? sanitize(name),
    toGemini: (name) => toGemini.get(name) ?? name,
  };
}
