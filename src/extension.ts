import type * as vscode from 'vscode';
import { createContainer, type ZipherTestApi } from './vscode/container';

export function activate(context: vscode.ExtensionContext): Promise<ZipherTestApi> {
  return createContainer(context);
}

export function deactivate(): void {}
