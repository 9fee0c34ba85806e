/**
 * The least of the `vscode` module that lets `dist/extension.js` activate in plain Node, with no
 * workspaces configured. Members spelled out are the ones activation actually uses; anything
 * else is an inert stand-in (callable, constructible, every property another stand-in) and is
 * recorded, so a new dependency shows up in the report instead of crashing the bench.
 */
import * as path from 'node:path';

export interface VscodeStub {
  module: Record<string, unknown>;
  /** members reached through the inert fallback, e.g. `window.createWebviewPanel` */
  unknownMembers: Set<string>;
}

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  constructor(private readonly fn: () => unknown = () => undefined) {}
  dispose(): void {
    this.fn();
  }
}

class EventEmitter<T> {
  private readonly listeners = new Set<(e: T) => unknown>();
  readonly event = (l: (e: T) => unknown): Disposable => {
    this.listeners.add(l);
    return new Disposable(() => this.listeners.delete(l));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

const noEvent = (): Disposable => new Disposable();

function inert(name: string, unknown: Set<string>): unknown {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      const member = `${name}.${String(prop)}`;
      unknown.add(member);
      return inert(member, unknown);
    },
    apply: () => inert(`${name}()`, unknown),
    construct: () => inert(`new ${name}`, unknown) as object,
  });
}

/** Fills in an inert stand-in for any member not spelled out. */
function withFallback<T extends object>(name: string, obj: T, unknown: Set<string>): T {
  return new Proxy(obj, {
    get(t, prop, receiver) {
      if (typeof prop === 'symbol' || prop in t) return Reflect.get(t, prop, receiver);
      // module-interop probes, not API use
      if (prop === 'then' || prop === '__esModule' || prop === 'default') return undefined;
      unknown.add(`${name}.${prop}`);
      return inert(`${name}.${prop}`, unknown);
    },
  });
}

function outputChannel(name: string): object {
  const nop = () => undefined;
  return { name, logLevel: 2, onDidChangeLogLevel: noEvent, trace: nop, debug: nop, info: nop, warn: nop, error: nop, append: nop, appendLine: nop, replace: nop, clear: nop, show: nop, hide: nop, dispose: nop };
}

export function createVscodeStub(): VscodeStub {
  const unknown = new Set<string>();
  const f = <T extends object>(name: string, o: T) => withFallback(name, o, unknown);
  const config = f('WorkspaceConfiguration', {
    get: (_key: string, fallback?: unknown) => fallback,
    has: () => false,
    inspect: () => undefined,
    update: async () => undefined,
  });
  const mod = {
    Disposable,
    EventEmitter,
    TreeItem: class {
      constructor(
        public label: unknown,
        public collapsibleState?: number,
      ) {}
    },
    ThemeIcon: class {
      constructor(
        public id: string,
        public color?: unknown,
      ) {}
    },
    ThemeColor: class {
      constructor(public id: string) {}
    },
    MarkdownString: class {
      constructor(public value = '') {}
      appendMarkdown(s: string) {
        this.value += s;
        return this;
      }
      appendText(s: string) {
        this.value += s;
        return this;
      }
    },
    Uri: f('Uri', {
      parse: (s: string) => ({ toString: () => s, fsPath: s }),
      file: (p: string) => ({ toString: () => `file://${p}`, fsPath: p }),
      joinPath: (base: { fsPath: string }, ...parts: string[]) => ({ fsPath: path.join(base.fsPath, ...parts) }),
    }),
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    commands: f('commands', {
      registerCommand: () => new Disposable(),
      executeCommand: async () => undefined,
      getCommands: async () => [],
    }),
    window: f('window', {
      createOutputChannel: (name: string) => f('OutputChannel', outputChannel(name)),
      createTreeView: () =>
        f('TreeView', { visible: true, selection: [], message: undefined, badge: undefined, title: '', description: '', onDidChangeVisibility: noEvent, onDidChangeSelection: noEvent, onDidExpandElement: noEvent, onDidCollapseElement: noEvent, reveal: async () => undefined, dispose: () => undefined }),
      createStatusBarItem: () => f('StatusBarItem', { text: '', tooltip: undefined, command: undefined, name: undefined, backgroundColor: undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      registerTreeDataProvider: () => new Disposable(),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
    }),
    workspace: f('workspace', {
      getConfiguration: () => config,
      onDidChangeConfiguration: noEvent,
      registerTextDocumentContentProvider: () => new Disposable(),
      workspaceFolders: undefined,
    }),
    env: f('env', { clipboard: { readText: async () => '', writeText: async () => undefined }, openExternal: async () => true, appName: 'bench', machineId: 'bench' }),
    version: '1.99.0',
  };
  return { module: withFallback('vscode', mod, unknown) as unknown as Record<string, unknown>, unknownMembers: unknown };
}

/** A fake ExtensionContext: empty secrets and state, storage under `storageDir`. */
export function createExtensionContext(stub: VscodeStub, storageDir: string, extensionPath: string): { context: unknown; dispose(): void } {
  const subscriptions: { dispose(): unknown }[] = [];
  const memento = () => {
    const m = new Map<string, unknown>();
    return { get: (k: string, d?: unknown) => (m.has(k) ? m.get(k) : d), update: async (k: string, v: unknown) => void m.set(k, v), keys: () => [...m.keys()], setKeysForSync: () => undefined };
  };
  const EventEmitterCtor = stub.module.EventEmitter as typeof EventEmitter;
  const secretEvents = new EventEmitterCtor<unknown>();
  const secretValues = new Map<string, string>();
  const uri = (p: string) => ({ fsPath: p, path: p, toString: () => `file://${p}` });
  const context = withFallback(
    'ExtensionContext',
    {
      subscriptions,
      extensionPath,
      extensionUri: uri(extensionPath),
      extension: { id: 'zipher.zipher-databricks', extensionPath, packageJSON: { version: '0.1.0' } },
      globalState: memento(),
      workspaceState: memento(),
      secrets: {
        get: async (k: string) => secretValues.get(k),
        store: async (k: string, v: string) => void secretValues.set(k, v),
        delete: async (k: string) => void secretValues.delete(k),
        onDidChange: secretEvents.event,
      },
      globalStorageUri: uri(storageDir),
      globalStoragePath: storageDir,
      storageUri: undefined,
      logUri: uri(path.join(storageDir, 'logs')),
      extensionMode: 1,
      asAbsolutePath: (p: string) => path.join(extensionPath, p),
    },
    stub.unknownMembers,
  );
  return {
    context,
    dispose: () => {
      for (const s of subscriptions.splice(0)) {
        try {
          s.dispose();
        } catch {
          // the bench only measures; a dispose bug is not its concern
        }
      }
    },
  };
}
