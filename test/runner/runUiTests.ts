/**
 * `npm run test:ui`: Mocha in plain Node over the UI end-to-end tests (test/ui/.mocharc.json,
 * default `out/test/ui/**\/*.ui.test.js`). Each test file starts its own workbench through
 * test/ui/harness.ts. Optional arguments: spec files to run instead, `--grep <pattern>`.
 * Exits non-zero on failures and when no test ran.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { REPO_ROOT, ensureTestHost } from './testHost';

interface UiMochaConfig {
  spec: string[];
  ui?: string;
  timeout?: number;
  slow?: number;
  reporter?: string;
}

async function main(): Promise<number> {
  const config = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'test', 'ui', '.mocharc.json'), 'utf8'),
  ) as UiMochaConfig;
  const args = process.argv.slice(2);
  const grepIndex = args.indexOf('--grep');
  const grep = grepIndex >= 0 ? args.splice(grepIndex, 2)[1] : undefined;
  const files = args.length > 0 ? args.map((f) => path.resolve(f)) : findSpecFiles(config.spec);
  if (files.length === 0) {
    console.error(`[test:ui] no test files match ${config.spec.join(', ')}; run npm run compile`);
    return 1;
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    console.error('[test:ui] dist/extension.js is missing: run npm run build');
    return 1;
  }
  ensureTestHost();

  const mocha = new Mocha({
    ui: (config.ui ?? 'bdd') as Mocha.Interface,
    timeout: config.timeout ?? 180_000,
    slow: config.slow,
    reporter: config.reporter ?? 'spec',
  });
  if (grep) mocha.grep(grep);
  for (const file of files) mocha.addFile(file);
  const { passes, failures } = await new Promise<{ passes: number; failures: number }>((resolve) => {
    const runner = mocha.run((count) => resolve({ passes: runner.stats?.passes ?? 0, failures: count }));
  });
  console.log(`${passes} passed, ${failures} failed`);
  if (failures > 0) return 1;
  if (passes === 0) {
    console.error('[test:ui] zero tests ran');
    return 1;
  }
  return 0;
}

/** Just enough globbing for the spec patterns we use: `**` and `*` within a name. */
function findSpecFiles(patterns: string[]): string[] {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const fixed = pattern.split(/[*]/)[0].replace(/[^/]*$/, '');
    const root = path.join(REPO_ROOT, fixed);
    if (!fs.existsSync(root)) continue;
    const matcher = globToRegExp(pattern);
    for (const name of fs.readdirSync(root, { recursive: true }) as string[]) {
      const relative = path.posix.join(fixed, name.split(path.sep).join('/'));
      if (matcher.test(relative)) found.add(path.join(REPO_ROOT, relative));
    }
  }
  return [...found].sort();
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += '(?:.*/)?';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[test:ui] ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
