import type { AuditEntry } from './audit-log.ts';

const cell = (value: unknown): string => {
  const text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // A leading = + - @ would run as a formula in a spreadsheet (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const auditCsvHeader = 'seq,time,actor,action,target_type,target_id,before,after,ip,user_agent,hash';

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = entries.map((entry) =>
    [
      entry.seq,
      new Date(entry.createdAt).toISOString(),
      entry.actorEmail ?? entry.actorId ?? 'operator',
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.before,
      entry.after,
      entry.ip,
      entry.userAgent,
      entry.hash,
    ]
      .map(cell)
      .join(','),
  );
  return `${[auditCsvHeader, ...lines].join('\n')}\n`;
}
