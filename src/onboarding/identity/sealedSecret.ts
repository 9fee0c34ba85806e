/**
 * A secret value that cannot leak by accident: it prints, logs and serialises as a placeholder.
 * Only `reveal()` gives the value, and only SecretStorage or the token request should call it.
 */
const PLACEHOLDER = '[secret]';

export class SealedSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value: for SecretStorage.store and the OAuth token request only. */
  reveal(): string {
    return this.#value;
  }

  /** Placeholder, so template strings and string concatenation never carry the value. */
  toString(): string {
    return PLACEHOLDER;
  }

  /** Placeholder, so JSON.stringify (logs, state files) never carries the value. */
  toJSON(): string {
    return PLACEHOLDER;
  }

  /** Placeholder for console.log / util.inspect. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SealedSecret(${PLACEHOLDER})`;
  }
}
