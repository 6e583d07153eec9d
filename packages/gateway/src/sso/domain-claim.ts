import { resolveTxt as systemResolveTxt } from 'node:dns/promises';

/**
 * The rule for claiming an email domain (README, "Single sign-on"): an org's claim on
 * `acme.com` counts once either
 * - one of the org's owners has an account address on that domain (account addresses are
 *   set by the operator, never self-asserted, so they stand as verified), or
 * - the domain publishes a DNS TXT record `hypereal-sso=<token>` at `_hypereal-sso.acme.com`,
 *   the token being the one shown with the provider.
 * Only one org can hold a verified claim on a domain.
 */
export const txtRecordName = (domain: string) => `_hypereal-sso.${domain}`;
export const txtRecordValue = (token: string) => `hypereal-sso=${token}`;

export type TxtResolver = (name: string) => Promise<string[][]>;

export function ownerOnDomain(ownerEmails: readonly string[], domain: string): string | undefined {
  return ownerEmails.find((email) => emailDomain(email) === domain);
}

export async function txtRecordPresent(
  domain: string,
  token: string,
  resolveTxt: TxtResolver = systemResolveTxt,
): Promise<boolean> {
  let records: string[][];
  try {
    records = await resolveTxt(txtRecordName(domain));
  } catch {
    return false;
  }
  return records.some((chunks) => chunks.join('') === txtRecordValue(token));
}

export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at === -1
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

const domainPattern = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const isDomainName = (value: string) => domainPattern.test(value);
