import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/databases.ts';
import { loadSigningSecret, UrlSigner } from './signed-urls.ts';

describe('signed file links', () => {
  const signer = new UrlSigner('a-test-secret-that-is-long-enough-0123');
  const now = Date.UTC(2026, 0, 1);
  const expires = now / 1000 + 60;

  it('accepts its own signature until the expiry, then says expired', () => {
    const signature = signer.sign('file_1', expires);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer.verify('file_1', String(expires), signature, now)).toBe('valid');
    expect(signer.verify('file_1', String(expires), signature, expires * 1000)).toBe('expired');
  });

  it('refuses another file, a moved expiry, another secret and malformed input', () => {
    const signature = signer.sign('file_1', expires);
    expect(signer.verify('file_2', String(expires), signature, now)).toBe('invalid');
    expect(signer.verify('file_1', String(expires + 3600), signature, now)).toBe('invalid');
    const other = new UrlSigner('another-secret-that-is-long-enough-0123');
    expect(other.verify('file_1', String(expires), signature, now)).toBe('invalid');
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(signer.verify('file_1', String(expires), flipped, now)).toBe('invalid');
    expect(signer.verify('file_1', String(expires), signature.slice(0, 20), now)).toBe('invalid');
    expect(signer.verify('file_1', `${expires}.5`, signature, now)).toBe('invalid');
    expect(signer.verify('file_1', undefined, signature, now)).toBe('invalid');
    expect(signer.verify('file_1', String(expires), undefined, now)).toBe('invalid');
  });

  it('generates a secret once, keeps it private in the data dir, and prefers a configured one', () => {
    const dir = tempDir();
    const path = join(dir, 'storage-signing-secret');
    const first = loadSigningSecret(undefined, path);
    expect(first.length).toBeGreaterThanOrEqual(43);
    expect(loadSigningSecret(undefined, path)).toBe(first);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadSigningSecret('configured-secret-value-0123456789abcdef', path)).toBe(
      'configured-secret-value-0123456789abcdef',
    );
    writeFileSync(join(dir, 'other'), 'kept-by-operator\n');
    expect(loadSigningSecret(undefined, join(dir, 'other'))).toBe('kept-by-operator');
  });
});
