import type * as vscode from 'vscode';

/** The shape of the client's HttpLogger (structural; kept here to avoid importing the client). */
export interface ComponentLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const MIN_SECRET_LENGTH = 6;

/**
 * Masks every secret the extension knows of, plus the usual token shapes, so that no line of the
 * log can carry one even if a lower layer forgot.
 */
export class SecretMasker {
  private readonly known = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.known.add(secret);
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.known) out = out.split(s).join('***');
    return out
      .replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
      .replace(/(client_secret|access_token|token|secret)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, '$1$2***')
      .replace(/\bdapi[0-9a-f]{32}\b/gi, 'dapi***')
      .replace(/\bdose[0-9a-zA-Z]{20,}\b/g, 'dose***');
  }
}

/** One LogOutputChannel, a component tag per line, secrets masked. */
export class Logger {
  constructor(
    private readonly channel: vscode.LogOutputChannel,
    readonly masker: SecretMasker,
  ) {}

  for(component: string): ComponentLogger {
    const line = (m: string) => `[${component}] ${this.masker.mask(m)}`;
    return {
      trace: (m) => this.channel.trace(line(m)),
      debug: (m) => this.channel.debug(line(m)),
      info: (m) => this.channel.info(line(m)),
      warn: (m) => this.channel.warn(line(m)),
      error: (m) => this.channel.error(line(m)),
    };
  }

  show(): void {
    this.channel.show(true);
  }
}
