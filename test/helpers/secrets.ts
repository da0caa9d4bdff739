/**
 * The temporary password in a welcome mail, and the mail's text with it masked. Tests assert on
 * the masked text only, and on the password's length, so that a failing assertion cannot print
 * the secret into the test output.
 */
export function takePassword(text: string, pattern: RegExp): { password: string; masked: string } {
  const password = pattern.exec(text)?.[1] ?? '';
  return { password, masked: password ? text.split(password).join('<password>') : text };
}
