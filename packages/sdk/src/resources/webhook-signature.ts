/**
 * Standard Webhooks verification (https://www.standardwebhooks.com/, the spec's
 * "Verifying webhooks" section): the signature is base64 HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the base64 key after `whsec_`;
 * `webhook-signature` holds space-separated `v1,<sig>` entries. WebCrypto only.
 */
const toleranceSeconds = 5 * 60;

function base64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const header = (headers: Headers | Record<string, string | undefined>, name: string): string | null =>
  headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()] ?? null);

export async function verifyWebhook(
  payload: string,
  headers: Headers | Record<string, string | undefined>,
  secret: string,
  now: Date = new Date(),
): Promise<unknown> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new Error('Missing webhook-id, webhook-timestamp or webhook-signature.');
  const sentAt = Number(timestamp);
  if (!Number.isFinite(sentAt) || Math.abs(now.getTime() / 1000 - sentAt) > toleranceSeconds) {
    throw new Error('Webhook timestamp is too old or too new.');
  }
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(secret.replace(/^whsec_/, '')),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const expected = bytesToBase64(
    new Uint8Array(
      await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${payload}`)),
    ),
  );
  const matches = signatures
    .split(' ')
    .map((entry) => entry.split(',', 2))
    .some(
      ([version, signature]) =>
        version === 'v1' && signature !== undefined && sameString(signature, expected),
    );
  if (!matches) throw new Error('Webhook signature does not match.');
  return JSON.parse(payload) as unknown;
}

/** Compares without stopping at the first difference. */
function sameString(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++)
    difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
}
