export {
  type AuditEntry,
  type AuditFilter,
  type AuditInput,
  type AuditScope,
  appendAudit,
  type ChainReport,
  genesisHash,
  listAudit,
  recordAudit,
  rowHash,
  verifyAuditChain,
} from './audit-log.ts';
export { auditCsv, auditCsvHeader } from './csv.ts';
