import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'zipher.zipher-databricks';

interface PackageJson {
  contributes?: {
    commands?: { command: string }[];
    views?: Record<string, { id: string }[]>;
  };
}

function manifest(extension: vscode.Extension<unknown>): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(extension.extensionPath, 'package.json'), 'utf8')) as PackageJson;
}

function declaredCommands(extension: vscode.Extension<unknown>): string[] {
  return (manifest(extension).contributes?.commands ?? []).map((c) => c.command).sort();
}

/** VS Code itself registers `<viewId>.focus`, `<viewId>.resetViewLocation`, ... for each view. */
function isGeneratedViewCommand(extension: vscode.Extension<unknown>, id: string): boolean {
  const views = Object.values(manifest(extension).contributes?.views ?? {}).flat();
  return views.some((view) => id.startsWith(`${view.id}.`));
}

describe('activation', () => {
  let extension: vscode.Extension<unknown>;

  before(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not loaded`);
    extension = found;
    await extension.activate();
  });

  it('activates', () => {
    assert.equal(extension.isActive, true);
  });

  it('declares at least one command', () => {
    assert.ok(declaredCommands(extension).length > 0, 'package.json contributes no commands');
  });

  it('registers every command declared in package.json', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declaredCommands(extension).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  it('declares every zipher.* command it registers', async () => {
    const declared = new Set(declaredCommands(extension));
    const undeclared = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('zipher.') && !declared.has(id) && !isGeneratedViewCommand(extension, id))
      .sort();
    assert.deepEqual(undeclared, [], `registered but not in package.json: ${undeclared.join(', ')}`);
  });
});
