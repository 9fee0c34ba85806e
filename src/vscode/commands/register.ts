import * as vscode from 'vscode';
import { describeError, isCancellation } from '../../databricks/errors';
import type { ComponentLogger } from '../logging';
import type { CommandId } from './ids';

/** Thrown by commands when the user dismissed a prompt: silent, like a cancellation. */
export class UserCancelled extends Error {
  override readonly name = 'UserCancelled';
  constructor() {
    super('Cancelled by the user.');
  }
}

export interface CommandRegistry {
  register(id: CommandId, handler: (...args: unknown[]) => unknown): void;
}

/**
 * The one registration wrapper: runs the handler, turns failures into one readable sentence
 * (never `{}`), stays silent on cancellation, logs, and owns the disposable.
 */
export function createCommandRegistry(subscriptions: vscode.Disposable[], log: ComponentLogger): CommandRegistry {
  return {
    register(id, handler) {
      subscriptions.push(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          log.debug(`${id} started${args.length ? ' with arguments' : ''}`);
          try {
            return await handler(...args);
          } catch (e) {
            if (e instanceof UserCancelled || isCancellation(e)) {
              log.debug(`${id} cancelled`);
              return undefined;
            }
            const message = describeError(e);
            log.error(`${id} failed: ${message}${e instanceof Error && e.stack ? `\n${e.stack}` : ''}`);
            void vscode.window.showErrorMessage(message, 'Show Logs').then((choice) => {
              if (choice === 'Show Logs') void vscode.commands.executeCommand('zipher.showLogs');
            });
            return undefined;
          }
        }),
      );
    },
  };
}
