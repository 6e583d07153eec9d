import { setTimeout as delay } from 'node:timers/promises';
import { readMp4Info } from '../media/mp4.ts';

/** A JSON request against a simulated vendor, with whatever auth header it wants. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, body, headers: response.headers };
}

/** Polls `check` every 20 ms until it returns a value (not undefined); fails after 3 s. */
export async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await delay(20);
  }
  throw new Error('condition never held');
}

/** Downloads a result link and reads it as an MP4 (brand, duration, size). */
export async function downloadMp4(
  url: string,
  headers: Record<string, string> = {},
): Promise<ReturnType<typeof readMp4Info> & { contentType: string | null }> {
  const response = await fetch(url, { headers });
  if (response.status !== 200)
    throw new Error(`download answered ${response.status}: ${await response.text()}`);
  return {
    ...readMp4Info(new Uint8Array(await response.arrayBuffer())),
    contentType: response.headers.get('content-type'),
  };
}
