import { describe, expect, it } from 'vitest';
import { changeFromOktaEvent, checkOktaEventTypes, MAPPED_OKTA_EVENT_TYPES, type OktaLogEvent } from '../../src/sources/okta-events.ts';

const receivedAt = '2026-11-24T10:00:05.000Z';
const published = '2026-11-24T10:00:00.000Z';
const DEFAULT_TYPES = ['user.lifecycle.deactivate', 'user.lifecycle.delete.initiated'];

/** A System Log event about one user, as Okta publishes it: the admin who acted, then the user. */
function oktaEvent(eventType: string, overrides: Partial<OktaLogEvent> = {}): OktaLogEvent {
  return {
    uuid: `uuid-${eventType}`,
    published,
    eventType,
    outcome: { result: 'SUCCESS', reason: null },
    target: [
      { id: '00uAdmin', type: 'AppInstance', alternateId: 'Okta Admin Console' },
      { id: '00uAda', type: 'User', alternateId: 'ada@example.com' },
    ],
    ...overrides,
  };
}

describe('changeFromOktaEvent', () => {
  it('makes a deactivation a partial DEPROVISIONED record of the target user, active before', () => {
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.deactivate'), DEFAULT_TYPES, receivedAt)).toEqual({
      source: 'okta',
      key: '00uAda',
      eventId: 'uuid-user.lifecycle.deactivate',
      oktaUserId: '00uAda',
      receivedAt,
      partial: true,
      record: { id: '00uAda', login: 'ada@example.com', status: 'DEPROVISIONED', statusChanged: published },
      before: { id: '00uAda', login: 'ada@example.com', status: 'ACTIVE' },
    });
  });

  it('makes a deletion the user gone', () => {
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.delete.initiated'), DEFAULT_TYPES, receivedAt)).toEqual({
      source: 'okta',
      key: '00uAda',
      eventId: 'uuid-user.lifecycle.delete.initiated',
      oktaUserId: '00uAda',
      receivedAt,
      record: null,
    });
  });

  it('maps suspensions and activations to the status they leave, when configured', () => {
    const statuses = Object.fromEntries(
      ['user.lifecycle.suspend', 'user.lifecycle.unsuspend', 'user.lifecycle.activate', 'user.lifecycle.reactivate'].map((type) => {
        const change = changeFromOktaEvent(oktaEvent(type), MAPPED_OKTA_EVENT_TYPES, receivedAt);
        expect(change).toMatchObject({ partial: true, record: { id: '00uAda', statusChanged: published } });
        expect(change?.before).toBeUndefined();
        return [type, change?.record?.status];
      }),
    );
    expect(statuses).toEqual({
      'user.lifecycle.suspend': 'SUSPENDED',
      'user.lifecycle.unsuspend': 'ACTIVE',
      'user.lifecycle.activate': 'ACTIVE',
      'user.lifecycle.reactivate': 'ACTIVE',
    });
  });

  it('ignores event types not configured, failed attempts and events about no user', () => {
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.suspend'), DEFAULT_TYPES, receivedAt)).toBeUndefined();
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.create'), [...DEFAULT_TYPES, 'user.lifecycle.create'], receivedAt)).toBeUndefined();
    const failed = oktaEvent('user.lifecycle.deactivate', { outcome: { result: 'FAILURE', reason: 'INSUFFICIENT_PERMISSIONS' } });
    expect(changeFromOktaEvent(failed, DEFAULT_TYPES, receivedAt)).toBeUndefined();
    const aboutAGroup = oktaEvent('user.lifecycle.deactivate', { target: [{ id: '00gStaff', type: 'UserGroup', alternateId: 'unknown' }] });
    expect(changeFromOktaEvent(aboutAGroup, DEFAULT_TYPES, receivedAt)).toBeUndefined();
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.deactivate', { target: null }), DEFAULT_TYPES, receivedAt)).toBeUndefined();
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.deactivate', { target: [{ id: 'a/b', type: 'User' }] }), DEFAULT_TYPES, receivedAt)).toBeUndefined();
    expect(changeFromOktaEvent(oktaEvent('user.lifecycle.deactivate', { uuid: undefined }), DEFAULT_TYPES, receivedAt)).toBeUndefined();
  });

  it('reads the SDK’s System Log events, whose publication time is a Date', () => {
    const polled = oktaEvent('user.lifecycle.deactivate', { published: new Date(published), target: [{ id: '00uBob', type: 'User' }] });
    expect(changeFromOktaEvent(polled, DEFAULT_TYPES, receivedAt)?.record).toEqual({ id: '00uBob', status: 'DEPROVISIONED', statusChanged: published });
  });
});

describe('checkOktaEventTypes', () => {
  it('accepts the default and every mapped type', () => {
    expect(() => checkOktaEventTypes(DEFAULT_TYPES)).not.toThrow();
    expect(() => checkOktaEventTypes(MAPPED_OKTA_EVENT_TYPES)).not.toThrow();
  });

  it('names every type it cannot map, and refuses an empty list', () => {
    expect(() => checkOktaEventTypes(['user.lifecycle.deactivate', 'user.lifecycle.create', 'group.user_membership.add'])).toThrow(
      'Tenure cannot act on the Okta event types "user.lifecycle.create", "group.user_membership.add"; it maps user.lifecycle.deactivate, user.lifecycle.suspend, user.lifecycle.unsuspend, user.lifecycle.activate, user.lifecycle.reactivate, user.lifecycle.delete.initiated',
    );
    expect(() => checkOktaEventTypes([])).toThrow(/no Okta event types are configured/);
  });
});
