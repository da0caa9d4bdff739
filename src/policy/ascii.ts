/**
 * Letters and punctuation that NFKD leaves whole, with their usual ASCII spelling. Upper-case
 * letters that become two are written for an all-capitals word here; `toAscii` title-cases them
 * before a lower-case letter, so that "Þóra" becomes "Thora" and "ÞÓRA" "THORA".
 */
const spelledOut: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', þ: 'th', Þ: 'TH', ŋ: 'ng', Ŋ: 'NG',
  ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', ħ: 'h', Ħ: 'H', ŧ: 't', Ŧ: 'T',
  ı: 'i', ə: 'a', Ə: 'A', ĸ: 'q',
  '‘': "'", '’': "'", '‚': "'", '‛': "'", '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
  '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '−': '-',
};
const printableAscii = /^[\x20-\x7e]*$/;

/**
 * The closest printable ASCII: NFKD splits "é" into "e" and an accent (and "ﬁ" into "fi"), letters
 * NFKD cannot split are spelled out, and whatever is left that is not printable ASCII (the accents,
 * other scripts, emoji, control characters) is dropped. One pass by hand: the planner transliterates
 * every login of every row, and a regular expression with a replacer costs twice as much.
 */
export function toAscii(text: string): string {
  if (printableAscii.test(text)) return text;
  const decomposed = text.normalize('NFKD');
  let ascii = '';
  for (let i = 0; i < decomposed.length; i++) {
    const char = decomposed[i]!;
    const code = char.charCodeAt(0);
    if (code >= 0x20 && code <= 0x7e) {
      ascii += char;
      continue;
    }
    const spelled = spelledOut[char];
    if (spelled === undefined) continue;
    const next = decomposed[i + 1];
    const beforeLowerCase = spelled.length > 1 && next !== undefined && next !== next.toUpperCase();
    ascii += beforeLowerCase ? spelled[0] + spelled.slice(1).toLowerCase() : spelled;
  }
  return ascii;
}
