/** The Temporal layer's environment: the Temporal CLI's dev server (in memory) and the time-skipping test server. */
import { startDevServer } from '../../deploy/dev-server.js';
import { locateTemporalCli } from '../../deploy/temporal-cli.js';
import { freePort } from '../../platform/ports.js';
import { provisionTimeSkippingServer } from '../time-skipping.js';
import { say, sharedPart } from './shared.js';

export default function setup() {
  return sharedPart('temporal', async () => {
    let cli: string;
    try {
      cli = await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say);
    } catch (err) {
      throw new Error(`The Temporal CLI is required for the tests: ${(err as Error).message}`);
    }
    try {
      await provisionTimeSkippingServer(say);
    } catch (err) {
      throw new Error(
        `Temporal's time-skipping test server is required for the workflow tests: ${(err as Error).message}`,
      );
    }
    const temporal = await startDevServer({
      cliPath: cli,
      port: await freePort(),
      namespace: 'default',
      headless: true,
    });
    process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
    process.env.TEST_TEMPORAL_CLI_PATH = cli;
    return () => temporal.stop();
  });
}
