/**
 * Standalone fake workspace: `npm run fake-workspace -- [--port N] [--jobs N] [--latency MS]
 * [--cap N] [--write-rate N] [--read-rate N]`. Everything it prints is fake test data.
 */
import { DEMO, defaultSeed, scaleSeed } from './seed';
import { startFakeWorkspace } from './server';

function parseArgs(argv: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`Unknown argument: ${argv[i]}`);
    const raw = m[2] ?? argv[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value) || value < 0) throw new Error(`--${m[1]} needs a non-negative number`);
    out[m[1]] = value;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = ['port', 'jobs', 'latency', 'cap', 'write-rate', 'read-rate'];
  const unknown = Object.keys(args).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`Unknown option(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
  const fake = await startFakeWorkspace({
    port: args.port ?? 8765,
    seed: args.jobs !== undefined ? scaleSeed(args.jobs) : defaultSeed(),
    faults: {
      latencyMs: args.latency ?? 0,
      concurrencyCap: args.cap,
      writeRatePerSecond: args['write-rate'],
      readRatePerSecond: args['read-rate'],
    },
  });
  const lines = [
    `Fake Databricks workspace listening on ${fake.url}`,
    `  jobs: ${fake.state.jobs.size}, workspace id: ${DEMO.workspaceId}, account id: ${DEMO.accountId}`,
    `  admin user:      ${DEMO.adminUser}  (FAKE PAT: ${DEMO.adminToken})`,
    `  non-admin user:  ${DEMO.nonAdminUser}  (FAKE PAT: ${DEMO.nonAdminToken})`,
    `  Zipher SP:       ${DEMO.zipherDisplayName}  application id ${DEMO.zipherAppId}, SCIM id ${DEMO.zipherScimId} (secret: DEMO.zipherSecret)`,
    `  account admin:   client id ${DEMO.accountAdminClientId} (secret: DEMO.accountAdminSecret)`,
    `  faults: latency ${args.latency ?? 0} ms, cap ${args.cap ?? 'none'}, write rate ${args['write-rate'] ?? 'unlimited'}/s, read rate ${args['read-rate'] ?? 'unlimited'}/s`,
    'Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the fake workspace\n`);
    void fake.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
