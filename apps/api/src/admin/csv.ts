/**
 * One CSV field (RFC 4180): quoted when it holds a separator, a quote or a line break. A text a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return first) gets a
 * leading apostrophe, so opening an export never runs what a field holds.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (fields: (string | number | boolean | null)[]): string => fields.map(csvField).join(',');
