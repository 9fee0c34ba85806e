import * as vscode from 'vscode';

/** Opens generated Markdown (reports, plans, handoff) as an untitled document beside the tree. */
export class Documents {
  async openMarkdown(content: string, opts: { preview?: boolean } = {}): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false });
    if (opts.preview) {
      // The rendered preview is nicer to read; the source stays open for copy/save.
      await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(undefined, () => undefined);
    }
    return doc;
  }

  async openJson(content: string): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }
}
