import { describe, expect, it } from 'vitest';
import { APIUserAbortError } from './errors.ts';
import { eventJson, Stream } from './stream.ts';

/** A stream whose whole body has already arrived: three events, then the end. */
function bufferedStream(): Stream<unknown> {
  const body = 'data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n';
  return new Stream(
    async (signal) => ({ response: new Response(body), release: () => {}, signal }),
    (event) => ({ value: eventJson(event) }),
  );
}

describe('Stream', () => {
  it('abort() in the loop throws APIUserAbortError even when the rest is already buffered', async () => {
    const stream = bufferedStream();
    const seen: unknown[] = [];
    const run = async () => {
      for await (const chunk of stream) {
        seen.push(chunk);
        stream.abort();
      }
    };
    await expect(run()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('reads every chunk when nobody aborts', async () => {
    expect(await bufferedStream().toArray()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
