// Registers Tenure's search attributes on a Temporal cluster, with the same code Tenure runs at
// start, so the list lives in one place (src/runtime/search-attributes.ts). up.sh runs it.
// Usage: node --import tsx scripts/production/register-search-attributes.ts <address> <namespace>
import { connectTemporal, ensureSearchAttributes } from '../../src/runtime/temporal.ts';
import { tenureSearchAttributes } from '../../src/runtime/search-attributes.ts';

const [address, namespace] = process.argv.slice(2);
if (!address || !namespace) {
  console.error('usage: register-search-attributes.ts <temporal address host:port> <namespace>');
  process.exit(2);
}
const connection = await connectTemporal(address, { attempts: 60 });
try {
  await ensureSearchAttributes(connection, namespace);
  console.log(`search attributes on ${namespace}: ${tenureSearchAttributes.map((key) => key.name).join(', ')}`);
} finally {
  await connection.close();
}
