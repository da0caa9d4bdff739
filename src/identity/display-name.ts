import type { IdentityRecord } from '../policy/schema.ts';

/** Attributes that name a person outright, as HR systems (snake case) and Okta (camel case) spell them. */
const DISPLAY_NAME_ATTRIBUTES = ['displayName', 'display_name'];
const NAME_PARTS = [
  ['first_name', 'last_name'],
  ['firstName', 'lastName'],
];
/** What names an account when the record names no person. */
const HANDLE_ATTRIBUTES = ['login', 'email'];

/** The Temporal UI shows a summary on one line; a name longer than this is cut. */
const MAX_NAME_LENGTH = 120;

function text(record: IdentityRecord, attribute: string): string {
  const value = record[attribute];
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
}

/**
 * The person an identity record stands for, as people call them: its display name, else its
 * first and last names, else its login or email; undefined when the record names nobody.
 */
export function displayNameOf(record: IdentityRecord | null | undefined): string | undefined {
  if (!record) return undefined;
  const name =
    DISPLAY_NAME_ATTRIBUTES.map((attribute) => text(record, attribute)).find(Boolean) ??
    NAME_PARTS.map((parts) => parts.map((attribute) => text(record, attribute)).filter(Boolean).join(' ')).find(Boolean) ??
    HANDLE_ATTRIBUTES.map((attribute) => text(record, attribute)).find(Boolean);
  if (!name) return undefined;
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
}

/**
 * How the Temporal UI names an identity's workflow: the person and the key that finds them in
 * the source, `Zoë Lindqvist (hr E1001)`, or the key alone while no record names them.
 */
export function identityLabel(source: string, key: string, record: IdentityRecord | null | undefined): string {
  const name = displayNameOf(record);
  return name ? `${name} (${source} ${key})` : `${source} identity ${key}`;
}
