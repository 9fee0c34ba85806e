/** Where the client writes its HTTP log; the VS Code layer passes a LogOutputChannel adapter. */
export interface HttpLogger {
  trace(m: string): void;
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

export const silentLogger: HttpLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
