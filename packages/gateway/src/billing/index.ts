export {
  getBalance,
  grantCredits,
  type Hold,
  type LedgerEntry,
  type LedgerKind,
  ledgerSum,
  listLedger,
  placeHold,
  releaseStaleHolds,
  type Settlement,
  settleHold,
} from './ledger.ts';
export {
  creditsToMicro,
  formatCredits,
  microPerCredit,
  microToCredits,
  usdPerMillionToMicro,
} from './money.ts';
export { emptyUsage, type TokenPrice, type TokenUsage, tokenCost } from './token-cost.ts';
