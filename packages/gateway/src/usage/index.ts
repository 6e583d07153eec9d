export {
  type AttemptEntry,
  type AttemptRow,
  attemptValues,
  findAnswerOwner,
  insertAttemptRows,
  insertAttempts,
  insertRequestLog,
  insertRequestLogRows,
  listAttempts,
  listRequestLogs,
  type RequestLogEntry,
  type RequestLogRow,
  requestLogColumns,
  requestLogValues,
} from './request-log.ts';
export {
  closedThroughDay,
  defaultRollupMarginMs,
  type RollupOptions,
  type RollupRun,
  readRolledThroughDay,
  resetUsageRollup,
  runUsageRollup,
} from './rollup-build.ts';
export { rollupNow, UsageRollup, type UsageRollupOptions } from './rollup-runner.ts';
