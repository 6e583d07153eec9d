/** 100 credits = $1; balances are integer micro-credits (1 credit = 1,000,000). */
export const microPerCredit = 1_000_000;
export const microPerUsd = 100 * microPerCredit;
/** docs/api-contract.md §13: a top-up (code, later a checkout) is at least $2. */
export const minimumTopUpMicro = 200 * microPerCredit;

export function creditsToMicro(credits: number): number {
  return Math.round(credits * microPerCredit);
}

export function microToCredits(micro: number): number {
  return micro / microPerCredit;
}

/** USD per million tokens → integer micro-credits per million tokens. */
export function usdPerMillionToMicro(usd: number): number {
  return Math.round(usd * microPerUsd);
}

export function formatCredits(micro: number): string {
  return (micro / microPerCredit).toFixed(6).replace(/\.?0+$/, '');
}
