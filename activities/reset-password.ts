import { countedAction } from '../src/metrics/registry.ts';
import type { Mailer } from '../src/notify/mailer.ts';
import type { OktaClient } from '../src/okta/client.ts';
import { toActivityError } from '../src/okta/errors.ts';
import { expireWithTemporaryPassword } from '../src/okta/password.ts';
import { DEFAULT_TARGET } from '../src/targets/actions.ts';
import { messageHandedOver, type NotifyInput, type RenderTemplate } from './notify.ts';

/** Hides the password in a text that may leave the activity (an SMTP error quoting the message). */
function withoutSecret(error: unknown, secret: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`sending the temporary password failed: ${message.split(secret).join('********')}`);
}

export function resetPasswordActivities(okta: OktaClient, render: RenderTemplate, mailer: Mailer) {
  return {
    /**
     * Gives the user a temporary password and mails it, in one activity, so that the password
     * never leaves this function: not in its input, its result, its errors or a log. A retry
     * after the mail was handed over does nothing; a retry before it sets a new password, so the
     * one mailed is always the one that works.
     */
    resetPassword(input: { oktaUserId: string; notify: NotifyInput }): Promise<{ to: string; subject: string }> {
      return countedAction('resetPassword', DEFAULT_TARGET, async () => {
        const { notify } = input;
        // Rendered once without the password first: a template problem then stops before Okta is touched.
        const { subject } = render(notify.template, { ...notify.context, LOGIN_PASSWORD: '' });
        if (messageHandedOver.before()) return { to: notify.to, subject };
        let password: string;
        try {
          password = await expireWithTemporaryPassword(okta, input.oktaUserId);
        } catch (error) {
          throw toActivityError(error, `RESET_PASSWORD ${input.oktaUserId}`);
        }
        const message = render(notify.template, { ...notify.context, LOGIN_PASSWORD: password });
        try {
          await mailer.send({ ...message, to: notify.to, messageId: notify.messageId });
        } catch (error) {
          throw withoutSecret(error, password);
        }
        messageHandedOver.now();
        return { to: notify.to, subject };
      });
    },
  };
}
