/** A streaming chat call as a crash test's client saw it. */
export interface ClientRun {
  requestId: string | null;
  startedAt: number;
  /** The client read `data: [DONE]`: it has the whole answer. */
  complete: boolean;
}

/** One streaming chat call of `tokens` tokens read to its end (or until the connection dies). */
export async function streamOnce(url: string, key: string, tokens = 30): Promise<ClientRun> {
  const run: ClientRun = { requestId: null, startedAt: Date.now(), complete: false };
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-v3.2',
        stream: true,
        messages: [{ role: 'user', content: `Tell me a story [[sim:reply_tokens=${tokens}]]` }],
      }),
    });
    run.requestId = response.headers.get('x-request-id');
    let text = '';
    for await (const chunk of response.body!) text += Buffer.from(chunk).toString('utf8');
    run.complete = text.includes('data: [DONE]');
  } catch {
    // the gateway died under this request
  }
  return run;
}
