import * as vscode from 'vscode';

// Placeholder wiring; the VS Code layer replaces this.
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('zipher.showLogs', () => undefined));
}

export function deactivate(): void {}
