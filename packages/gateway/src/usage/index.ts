export {
  findAnswerOwner,
  insertRequestLog,
  listRequestLogs,
  type RequestLogEntry,
  type RequestLogRow,
} from './request-log.ts';
