import { loadConfig } from '../../runtime/config.ts';
import { locateTemporalCli } from '../../runtime/temporal-cli.ts';

export async function installTemporalCommand(): Promise<void> {
  const cliPath = await locateTemporalCli(loadConfig().toolsDir);
  console.log(`Temporal CLI: ${cliPath}`);
}
