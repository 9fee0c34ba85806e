import * as vscode from 'vscode';

/** A message with buttons; `modal` blocks the window (review), otherwise a notification. */
export interface MessagePrompt {
  severity: 'info' | 'warning';
  message: string;
  modal: boolean;
  detail?: string;
  choices: string[];
}

/**
 * Every prompt the plan review, apply report and retry make goes through this, so host tests can
 * script the answers and fail on a prompt they did not expect instead of hanging on it.
 */
export interface Prompter {
  /** The chosen button, or undefined when dismissed. */
  message(prompt: MessagePrompt): Promise<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: { title: string; placeHolder?: string }): Promise<T | undefined>;
  saveFile(options: { title: string; defaultName: string; filters: Record<string, string[]> }): Promise<vscode.Uri | undefined>;
}

/** The real UI. */
export class WindowPrompter implements Prompter {
  async message(p: MessagePrompt): Promise<string | undefined> {
    const show = p.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const options: vscode.MessageOptions = { modal: p.modal };
    if (p.detail !== undefined) options.detail = p.detail;
    return show(p.message, options, ...p.choices);
  }

  async pick<T extends vscode.QuickPickItem>(items: readonly T[], options: { title: string; placeHolder?: string }): Promise<T | undefined> {
    return vscode.window.showQuickPick([...items], { title: options.title, placeHolder: options.placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  }

  async saveFile(options: { title: string; defaultName: string; filters: Record<string, string[]> }): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const defaultUri = folder ? vscode.Uri.joinPath(folder, options.defaultName) : undefined;
    return vscode.window.showSaveDialog({ title: options.title, saveLabel: 'Export', filters: options.filters, ...(defaultUri ? { defaultUri } : {}) });
  }
}
