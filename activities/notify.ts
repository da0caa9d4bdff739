import { ApplicationFailure, Context } from '@temporalio/activity';
import { countedAction } from '../src/metrics/registry.ts';
import type { Mailer } from '../src/notify/mailer.ts';
import { compileTemplate, type CompiledTemplate, type RenderedMessage } from '../src/notify/template.ts';
import type { NotificationContext } from '../src/policy/planner.ts';
import type { Template } from '../src/policy/schema.ts';

export interface NotifyInput {
  template: string;
  to: string;
  context: NotificationContext;
  messageId: string;
}

export type RenderTemplate = (name: string, context: object) => RenderedMessage;

/** Templates by name, each compiled once; a rendering problem is final, since a retry renders the same. */
export function templateRenderer(templates: Map<string, Template>): RenderTemplate {
  const compiled = new Map<string, CompiledTemplate>();
  return (name, context) => {
    const source = templates.get(name);
    if (!source) throw ApplicationFailure.nonRetryable(`unknown template "${name}"`, 'UnknownTemplate');
    if (!compiled.has(name)) compiled.set(name, compileTemplate(source));
    try {
      return compiled.get(name)!.render(context);
    } catch (error) {
      throw ApplicationFailure.nonRetryable(`template "${name}": ${(error as Error).message}`, 'TemplateError');
    }
  };
}

const SENT = 'sent';

/**
 * SMTP cannot take a message back, so once one is handed over the attempt says so in a heartbeat:
 * a retry of an attempt whose completion was lost (a worker killed just then) sends nothing more.
 */
export const messageHandedOver = {
  before: (): boolean => Context.current().info.heartbeatDetails === SENT,
  now: (): void => Context.current().heartbeat(SENT),
};

export function notifyActivities(render: RenderTemplate, mailer: Mailer) {
  return {
    /** Renders a template and sends it; an SMTP outage fails the attempt, and Temporal retries it. */
    notify(input: NotifyInput): Promise<{ to: string; subject: string }> {
      return countedAction('notify', 'mail', async () => {
        const rendered = render(input.template, input.context);
        if (messageHandedOver.before()) return { to: input.to, subject: rendered.subject };
        await mailer.send({ ...rendered, to: input.to, messageId: input.messageId });
        messageHandedOver.now();
        return { to: input.to, subject: rendered.subject };
      });
    },
  };
}
