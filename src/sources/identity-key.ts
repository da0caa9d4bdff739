/**
 * What makes a value unfit to be an identity key, whichever source sends it (the HR webhook, an
 * HR export): a key names a workflow (`identity/<source>/<key>`), a search attribute and log
 * lines, and is looked up in maps keyed by it.
 */

// C0 and C1 controls (newlines, NUL, escape sequences): invisible in logs and the Temporal UI,
// where two keys that look alike would be two people.
const CONTROL = /\p{Cc}/u;
// Half of a surrogate pair: JSON may escape one ("\ud800"), but no UTF-8 can carry it onwards.
const LONE_SURROGATE = /\p{Cs}/u;

/** Names every plain object answers to, so a key such as "__proto__" or "constructor" is never mistaken for one of them. */
const isPrototypeName = (key: string) => key === 'prototype' || key in Object.prototype;

/** Why `key` cannot be the identity key `keyAttribute`, or undefined when it can. */
export function identityKeyProblem(key: unknown, keyAttribute: string): string | undefined {
  if (key === undefined || key === null || String(key).trim() === '') return `no ${keyAttribute}, the identity key`;
  if (typeof key === 'boolean') return `${keyAttribute} ${key} is not an identity key`;
  if (typeof key !== 'string' && typeof key !== 'number') return `${keyAttribute} must be text or a number`;
  const text = String(key);
  if (LONE_SURROGATE.test(text)) return `${keyAttribute} holds half of a UTF-16 surrogate pair, which is not text`;
  if (CONTROL.test(text)) return `${keyAttribute} ${JSON.stringify(text)} holds a control character`;
  if (text.includes('/')) return `${keyAttribute} "${text}" contains "/"`;
  if (text.trim() !== text) return `${keyAttribute} "${text}" has spaces around it`;
  if (isPrototypeName(text)) return `${keyAttribute} "${text}" is the name of a JavaScript object property, which cannot identify anyone`;
  return undefined;
}
