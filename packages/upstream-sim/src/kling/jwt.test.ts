import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signKlingToken, verifyKlingToken } from './jwt.ts';

const secrets = (accessKey: string) => (accessKey === 'ak' ? 'sk' : undefined);

describe('Kling JWT', () => {
  it('signs HS256 with iss = access key, exp 30 min ahead and nbf 5 s back, as Kling’s sample code', () => {
    const token = signKlingToken('ak', 'sk');
    const [header = '', payload = '', signature = ''] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      number | string
    >;
    const now = Math.floor(Date.now() / 1000);
    expect(claims['iss']).toBe('ak');
    expect(Number(claims['exp']) - now).toBeGreaterThanOrEqual(1799);
    expect(now - Number(claims['nbf'])).toBeGreaterThanOrEqual(5);
    expect(signature).toBe(createHmac('sha256', 'sk').update(`${header}.${payload}`).digest('base64url'));
    expect(verifyKlingToken(token, secrets)).toEqual({ accessKey: 'ak' });
  });

  it('refuses alg none and tampered payloads', () => {
    const [, payload = ''] = signKlingToken('ak', 'sk').split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect(verifyKlingToken(none, secrets)).toEqual({
      refusal: { code: 1002, message: 'Authorization is invalid' },
    });
    const [header = '', , signature = ''] = signKlingToken('ak', 'sk').split('.');
    const forged = Buffer.from(JSON.stringify({ iss: 'ak', exp: 9_999_999_999, nbf: 0 })).toString(
      'base64url',
    );
    expect(verifyKlingToken(`${header}.${forged}.${signature}`, secrets)).toMatchObject({
      refusal: { code: 1000 },
    });
  });
});
