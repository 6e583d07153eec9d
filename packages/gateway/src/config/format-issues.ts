import type { z } from 'zod';

/** Renders zod issues as `path.to.field: message` lines an operator can act on. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const extra =
      issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.join(', ')})` : '';
    return `  ${path}: ${issue.message}${extra}`;
  });
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}
