const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration as policies and configuration write it (`30s`, `5m`, `12h`, `7d`) in milliseconds,
 * or undefined when the text is not one. Pure, so workflow code may use it too.
 */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}
