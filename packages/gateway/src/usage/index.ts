export {
  type AttemptRow,
  findAnswerOwner,
  insertAttempts,
  insertRequestLog,
  listAttempts,
  listRequestLogs,
  type RequestLogEntry,
  type RequestLogRow,
  requestLogColumns,
  requestLogValues,
} from './request-log.ts';
