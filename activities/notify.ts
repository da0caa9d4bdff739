import { ApplicationFailure } from '@temporalio/common';
import type { Mailer } from '../src/notify/mailer.ts';
import { compileTemplate, type CompiledTemplate } from '../src/notify/template.ts';
import type { NotificationContext } from '../src/policy/planner.ts';
import type { Template } from '../src/policy/schema.ts';

export interface NotifyInput {
  template: string;
  to: string;
  context: NotificationContext;
  messageId: string;
}

export function notifyActivities(templates: Map<string, Template>, mailer: Mailer) {
  const compiled = new Map<string, CompiledTemplate>();
  const templateNamed = (name: string): CompiledTemplate => {
    const source = templates.get(name);
    if (!source) throw ApplicationFailure.nonRetryable(`unknown template "${name}"`, 'UnknownTemplate');
    if (!compiled.has(name)) compiled.set(name, compileTemplate(source));
    return compiled.get(name)!;
  };

  return {
    /** Renders a template and sends it; an SMTP outage fails the attempt, and Temporal retries it. */
    async notify(input: NotifyInput): Promise<{ to: string; subject: string }> {
      let rendered;
      try {
        rendered = templateNamed(input.template).render(input.context);
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        throw ApplicationFailure.nonRetryable(`template "${input.template}": ${(error as Error).message}`, 'TemplateError');
      }
      await mailer.send({ ...rendered, to: input.to, messageId: input.messageId });
      return { to: input.to, subject: rendered.subject };
    },
  };
}
