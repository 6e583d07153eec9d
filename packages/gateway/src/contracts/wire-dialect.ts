/** The wire formats the gateway speaks, to clients and to upstreams alike. */
export const wireDialects = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'] as const;

export type WireDialect = (typeof wireDialects)[number];
