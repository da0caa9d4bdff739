// A second process for the tests of the embedded directory's lock: opens the SCIM directory under
// the data directory given, and says on stdout what happened.
//   open:           opens, prints "opened", closes.
//   create-and-hang: opens, creates a user, prints {"created": id} once it is acknowledged, then
//                    waits to be killed (the crash test's victim).
import { openScimDirectory } from '../../src/scim/directory/open.ts';

const [dataDir, mode] = process.argv.slice(2);
try {
  const directory = await openScimDirectory({ dataDir: dataDir! });
  if (mode === 'create-and-hang') {
    await directory.createIntegration('crashed', 'not-a-real-hash');
    const user = await directory.createUser('crashed', { userName: 'survivor@example.com', externalId: undefined, active: true, resource: {} });
    console.log(JSON.stringify({ created: user.id }));
    setInterval(() => {}, 60_000);
  } else {
    console.log('opened');
    await directory.close();
  }
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
  process.exitCode = 3;
}
