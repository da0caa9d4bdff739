/** Logins and group names are unique regardless of case and diacritical marks: Isaac = isáàc. */
export function uniqueKey(value: unknown): string {
  return String(value).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
