import { BlockList, isIP } from 'node:net';

/** 127.0.0.0/8 and ::1: addresses only this machine can reach. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a host names this machine only: `localhost`, an address in 127.0.0.0/8, or ::1, also as
 * a URL spells it (`[::1]`). What listens or is called there is out of other machines' reach.
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}
