/**
 * Entry point VS Code loads as `extensionTestsPath`: runs every compiled `out/test/host/**\/*.test.js`
 * inside the real extension host. The extension host's console does not reach the runner's
 * terminal under code-server, so the spec reporter's lines are also appended to the file named by
 * ZIPHER_TEST_RESULTS, which the runner streams to its stdout; so is the tests' console output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const resultsFile = process.env.ZIPHER_TEST_RESULTS;
  const write = (line: string): void => {
    if (resultsFile) fs.appendFileSync(resultsFile, line + '\n');
  };
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void; useColors: boolean };
  const originalLog = base.consoleLog;
  base.useColors = false;
  base.consoleLog = (...args: unknown[]) => {
    write(formatLine(args));
    originalLog(...args);
  };

  // Tests' own console output goes to the same stream, in order with the reporter's lines.
  const restoreConsole = resultsFile ? teeConsole(write) : () => undefined;

  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 60_000, color: false });
  const grep = process.env.ZIPHER_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of findTests(__dirname)) mocha.addFile(file);

  try {
    const { passed, failures } = await new Promise<{ passed: number; failures: number }>((resolve, reject) => {
      try {
        const runner = mocha.run((count) => resolve({ passed: runner.stats?.passes ?? 0, failures: count }));
      } catch (e) {
        reject(e);
      }
    });
    const summary = `${passed} passed, ${failures} failed`;
    write(summary);
    if (failures > 0) throw new Error(`${failures} host test(s) failed`);
    if (passed === 0) throw new Error('no host tests ran');
  } catch (e) {
    write(`host suite error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    throw e;
  } finally {
    base.consoleLog = originalLog;
    restoreConsole();
  }
}

function findTests(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.test.js'))
    .map((name) => path.join(dir, name))
    .sort();
}

/** VS Code's extension host defines console methods as accessors that ignore assignment, so
 * redefine the properties and put the original descriptors back afterwards. */
function teeConsole(write: (line: string) => void): () => void {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((name) => Object.getOwnPropertyDescriptor(console, name));
  for (const name of methods) {
    const original = console[name];
    Object.defineProperty(console, name, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        write(formatLine(args));
        original.apply(console, args);
      },
    });
  }
  return () =>
    methods.forEach((name, i) => {
      const descriptor = saved[i];
      if (descriptor) Object.defineProperty(console, name, descriptor);
    });
}

function formatLine(args: unknown[]): string {
  // Mocha passes printf-style format strings.
  return format(...args);
}
