import { loadConfig } from '../../runtime/config.ts';
import { locateTemporalCli } from '../../runtime/temporal-cli.ts';

export async function run(): Promise<void> {
  const cliPath = await locateTemporalCli(loadConfig().toolsDir);
  console.log(`Temporal CLI: ${cliPath}`);
}
