// `npm run bench -- scim`: the SCIM directory on both engines, then SCIM over HTTP and Okta's push on the whole stack.
import { run as directory } from './scim-directory.bench.ts';
import { run as push } from './scim-push.bench.ts';

export async function run(): Promise<void> {
  await directory();
  await push();
}
