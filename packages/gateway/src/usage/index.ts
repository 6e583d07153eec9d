export {
  type AttemptRow,
  findAnswerOwner,
  insertAttempts,
  insertRequestLog,
  listAttempts,
  listRequestLogs,
  type RequestLogEntry,
  type RequestLogRow,
} from './request-log.ts';
