// The `joinery` command: `start` runs embedded mode (loaded only then); everything else is a client of the
// management API and does not load the services.
import { runCli } from './cli/run-cli.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
