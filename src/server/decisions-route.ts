import type { KeyObject } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecisionKeys } from '../decisions/keys.ts';
import { signDecision, type DecisionAnswer } from '../decisions/proof.ts';
import type { TenureConfig } from '../runtime/config.ts';
import { HttpRefusal, oidcTokenVerifier } from './oidc-token.ts';
import { approveUpdate, identityWorkflowId, rejectUpdate, statusQuery, type ApprovalAnswer } from '../../workflows/definitions.ts';

/**
 * /api/v1/decisions: where a person approves or rejects. The person proves who they are with an
 * OIDC ID token from the company's identity provider (Okta; the emulator in the sandbox), checked
 * against the issuer's published keys; the intake then signs the decision with Tenure's decision
 * key (src/decisions/proof.ts) and sends it to the workflow, which checks the proof and whether
 * that person may decide before acting.
 */

export const DECISIONS_PREFIX = '/api/v1/decisions';

export interface DecisionsRouteOptions {
  /** The OIDC issuer operators sign in with, e.g. https://acme.okta.com/oauth2/default. */
  issuer: string;
  /** The native app's client id: the audience of the ID tokens accepted. */
  clientId: string;
  /** Tenure's decision key (its private half). */
  signingKey: KeyObject;
  client: Client;
}

const SIGN_IN_AGAIN = 'sign in again: npx tenure login';
const unauthorized = (reason: string) => new HttpRefusal(401, `${reason}; ${SIGN_IN_AGAIN}`);

const bodySchema = {
  type: 'object',
  required: ['workflowId'],
  additionalProperties: false,
  properties: {
    workflowId: { type: 'string', minLength: 1, maxLength: 1024 },
    step: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

interface DecisionBody {
  workflowId: string;
  step?: string;
}

/** `identity/`: what every identity workflow's id starts with. */
const IDENTITY_PREFIX = identityWorkflowId('', '').slice(0, -1);

/**
 * The `approval` the proof names: the waiting approval's id in an identity workflow (the step
 * given, else the only one waiting), the workflow id for a mass change. When none or several
 * wait, the workflow's validator says so; the proof then names what was asked.
 */
async function approvalOf(client: Client, body: DecisionBody): Promise<string> {
  if (!body.workflowId.startsWith(IDENTITY_PREFIX)) return body.workflowId;
  if (body.step !== undefined) return body.step;
  const { approvals } = await client.workflow.getHandle(body.workflowId).query(statusQuery);
  return approvals.length === 1 ? approvals[0]!.id : '';
}

const updates = { approved: approveUpdate, rejected: rejectUpdate } as const;

/** Signs and sends the decision; the workflow's refusal or complaint becomes the caller's answer. */
async function decide(options: DecisionsRouteOptions, by: string, decision: DecisionAnswer, body: DecisionBody): Promise<ApprovalAnswer> {
  try {
    const approval = await approvalOf(options.client, body);
    const proof = await signDecision(options.signingKey, { workflowId: body.workflowId, approval, decision, by });
    return await options.client.workflow.getHandle(body.workflowId).executeUpdate(updates[decision], { args: [{ ...(body.step === undefined ? {} : { id: body.step }), by, proof }] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new HttpRefusal(404, `no workflow ${body.workflowId} is running`);
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      // The workflow checked the proof, or whether this person may decide, and refused.
      if (cause instanceof ApplicationFailure && cause.type === 'DecisionRefused') throw new HttpRefusal(403, cause.message);
      // The validator: nothing waiting, decided already, several waiting.
      throw new HttpRefusal(409, cause?.message ?? error.message);
    }
    throw error;
  }
}

function answerError(error: FastifyError | HttpRefusal, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpRefusal) {
    if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
    return reply.code(error.statusCode).send({ error: error.message });
  }
  if (error.validation) return reply.code(400).send({ error: `the body must be {"workflowId": "…", "step"?: "policy/workflow"}: ${error.message}` });
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
  request.log.error(error);
  return reply.code(503).send({ error: 'Tenure could not reach Temporal to decide; nothing was decided. Try again' });
}

export async function decisionsRoute(app: FastifyInstance, options: DecisionsRouteOptions): Promise<void> {
  app.setErrorHandler(answerError);
  // So that the CLI finds where to sign in from the intake alone.
  app.get('/sign-in', async () => ({ issuer: options.issuer, clientId: options.clientId }));

  const verify = oidcTokenVerifier({ issuer: options.issuer, audience: options.clientId, signInHint: SIGN_IN_AGAIN, audienceName: 'Tenure\'s operator app', tokenName: 'ID token' });
  const people = new WeakMap<FastifyRequest, string>();
  app.register(async (signedIn) => {
    signedIn.addHook('onRequest', async (request) => {
      const payload = await verify(request.headers.authorization);
      const login = payload.preferred_username;
      if (typeof login !== 'string' || login === '') throw unauthorized('the token names no person (no preferred_username: ask for the "profile" scope)');
      people.set(request, login);
    });
    for (const [path, decision] of [['/approve', 'approved'], ['/reject', 'rejected']] as const) {
      signedIn.post<{ Body: DecisionBody }>(path, { schema: { body: bodySchema } }, async (request) => decide(options, people.get(request)!, decision, request.body));
    }
  });
}

/**
 * How the intake is set up to take decisions, or why it does not take them. The sandbox signs in
 * with its emulator (`emulatorUrl` when it runs in this process, else on its configured port) and
 * signs with its own key; with a real org the issuer, the client id and TENURE_DECISION_KEY must
 * all be given, so that a production intake never signs with a key its workers do not know.
 */
export function decisionsSetup(input: {
  config: Pick<TenureConfig, 'okta' | 'oidcIssuer' | 'oidcClientId' | 'oktaEmulatorPort' | 'dataDir'>;
  emulatorUrl: string | undefined;
  client: Client;
  /** Read once at start (src/decisions/keys.ts): the worker of the same process verifies with them. */
  keys: DecisionKeys;
}): { options: DecisionsRouteOptions; notice: string } | { notice: string } {
  const { config, keys } = input;
  const sandbox = config.okta === undefined;
  const issuer = config.oidcIssuer ?? (sandbox ? `${input.emulatorUrl ?? `http://127.0.0.1:${config.oktaEmulatorPort}`}/oauth2/default` : undefined);
  const missing = [
    ...(issuer === undefined ? ['TENURE_OIDC_ISSUER'] : []),
    ...(config.oidcClientId === undefined ? ['TENURE_OIDC_CLIENT_ID'] : []),
    ...(!sandbox && keys.verifying === undefined ? ['TENURE_DECISION_KEY'] : []),
  ];
  const notServed = (why: string) => ({ notice: `Decisions: ${DECISIONS_PREFIX} is not served: ${why}; tenure approve|reject cannot decide through this intake.` });
  if (missing.length > 0) return notServed(`set ${missing.join(', ')} (see "Who decides, and how they sign in" in the README)`);
  const { signing } = keys;
  if (signing === undefined) return notServed('this intake has only TENURE_DECISION_PUBLIC_KEY; set TENURE_DECISION_KEY (the private key) where decisions are signed');
  return {
    options: { issuer: issuer!, clientId: config.oidcClientId!, signingKey: signing, client: input.client },
    notice: `Decisions: operators sign in with ${issuer} (app ${config.oidcClientId}) by \`npx tenure login\`; whoever a policy's approvers or TENURE_GUARD_APPROVERS name may decide, anyone signed in when they name nobody.`,
  };
}
