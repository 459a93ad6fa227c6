// The `joinery` command: `start` runs embedded mode; everything else is a client of the management API (and does
// not load the services).
import { runCli } from './cli/run-cli.js';

const argv = process.argv.slice(2);
if (argv[0] === 'start') {
  const { runStart } = await import('./start.js');
  await runStart(process.env);
} else {
  process.exitCode = await runCli(argv, {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
