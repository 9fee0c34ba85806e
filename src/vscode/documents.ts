import * as vscode from 'vscode';

export const REPORT_SCHEME = 'zipher-report';

/** Reports kept for their documents; older ones fall off so a long session does not pile them up. */
const KEEP_REPORTS = 20;

/**
 * Opens generated Markdown (reports, plans, ledger, handoff) beside the tree as read-only
 * `zipher-report:` documents: they have a real title, can be copied or saved with "Save As", and
 * closing them never asks to save a file nobody wrote.
 */
export class Documents implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private next = 1;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path.split('/')[1] ?? '') ?? 'This Zipher report is no longer available; run its command again.';
  }

  async openMarkdown(content: string, opts: { title?: string; preview?: boolean } = {}): Promise<vscode.TextDocument> {
    const id = `r${this.next++}`;
    this.contents.set(id, content);
    while (this.contents.size > KEEP_REPORTS) this.contents.delete(this.contents.keys().next().value!);
    const title = (opts.title ?? firstHeading(content) ?? 'Zipher report').replace(/[\\/:*?"<>|]+/g, ' ').replace(/\s+/g, ' ').trim();
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${id}/${title}.md` });
    const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false });
    if (opts.preview) {
      // The rendered preview is nicer to read; the source stays open for copy and Save As.
      await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(undefined, () => undefined);
    }
    return doc;
  }

  async openJson(content: string): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}

function firstHeading(markdown: string): string | undefined {
  return /^#\s+(.+)$/m.exec(markdown)?.[1]?.slice(0, 80);
}
