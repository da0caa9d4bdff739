/**
 * The pages of `/activate`, where a person enters the code their device shows and signs in, as
 * on an Okta org's hosted sign-in. Plain HTML forms: the emulator serves no scripts.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** The form: the user code (filled in from verification_uri_complete), the username and the password. */
export function activationForm(options: { userCode?: string; problem?: string } = {}): string {
  const problem = options.problem === undefined ? '' : `<p role="alert">${escapeHtml(options.problem)}</p>\n`;
  return page(
    'Activate your device',
    `${problem}<form method="post" action="/activate">
<label>Activation code <input name="user_code" value="${escapeHtml(options.userCode ?? '')}" autocomplete="off" required></label>
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button name="action" value="allow">Sign in and allow</button>
<button name="action" value="deny" formnovalidate>Deny</button>
</form>`,
  );
}

export function activationAnswered(allowed: boolean): string {
  return allowed
    ? page('Device activated', '<p>You are signed in. Return to your device to continue.</p>')
    : page('Device not activated', '<p>You denied the request. The device is not signed in.</p>');
}
