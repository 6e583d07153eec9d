export {
  type ExpiredHold,
  expiredHolds,
  getBalance,
  grantCredits,
  type Hold,
  type LedgerEntry,
  type LedgerKind,
  ledgerSum,
  listLedger,
  loadHold,
  placeHold,
  placeHoldIn,
  renewHold,
  type Settlement,
  type SettleOutcome,
  settleHold,
  settleHoldIn,
  walletOf,
} from './ledger.ts';
export {
  type AudioPrice,
  type GpuPrice,
  type ImagePrice,
  type MediaPrice,
  type MediaPriceCredits,
  type MediaUsage,
  type MediaUsageByKind,
  mediaCost,
  mediaPriceInCredits,
  type VideoPrice,
} from './media-cost.ts';
export {
  creditsToMicro,
  formatCredits,
  microPerCredit,
  microToCredits,
  minimumTopUpMicro,
  usdPerMillionToMicro,
} from './money.ts';
export { adjustCredits, grantTopUp } from './operator-credits.ts';
export { type TokenPrice, tokenCost } from './token-cost.ts';
