/** Generated text of a chat.completion (content and tool calls), for counting when no usage came back. */
export function chatCompletionText(response: Record<string, unknown>): string {
  const choices = response['choices'];
  if (!Array.isArray(choices)) return '';
  return choices
    .map((choice) => {
      const message = (choice as Record<string, unknown> | null)?.['message'] as
        | Record<string, unknown>
        | undefined;
      const content = typeof message?.['content'] === 'string' ? message['content'] : '';
      return content + (message?.['tool_calls'] ? JSON.stringify(message['tool_calls']) : '');
    })
    .join('');
}
