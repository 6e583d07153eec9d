import { microToCredits } from '../billing/money.ts';
import type { UsageLogRow } from './analytics.ts';

/**
 * One RFC 4180 field. Text a spreadsheet would run as a formula (= + - @, tab, CR) is
 * prefixed with an apostrophe, so an exported log cannot execute anything when opened.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** The export's columns, in order. */
export const usageCsvHeader = [
  'time_utc',
  'request_id',
  'endpoint',
  'model',
  'provider',
  'status',
  'stream',
  'latency_ms',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_credits',
  'key_id',
  'key_name',
  'error',
  'images',
  'image_tier',
];

export function usageCsvLine(row: UsageLogRow): string {
  return csvRow([
    new Date(Number(row.created_at)).toISOString(),
    row.id,
    row.endpoint,
    row.model,
    row.provider,
    Number(row.status),
    Number(row.stream) ? 'true' : 'false',
    Number(row.latency_ms),
    Number(row.prompt_tokens),
    Number(row.completion_tokens),
    Number(row.cached_tokens),
    Number(row.reasoning_tokens),
    microToCredits(Number(row.cost_micro)),
    row.key_id,
    row.key_name,
    row.error_message,
    Number(row.image_count ?? 0),
    row.image_tier,
  ]);
}
