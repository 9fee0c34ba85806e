/** A few lines of `fetch` for tests that talk to the fake without the project's client. */
export interface FakeResponse {
  status: number;
  headers: Headers;
  text: string;
  /** parsed body, or undefined when it is not JSON */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

export interface CallInit {
  token?: string;
  body?: unknown;
  /** form-encoded body (OAuth token endpoint) */
  form?: Record<string, string>;
  basic?: { user: string; password: string };
  headers?: Record<string, string>;
}

export async function call(baseUrl: string, method: string, path: string, init: CallInit = {}): Promise<FakeResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.basic) headers.Authorization = `Basic ${Buffer.from(`${init.basic.user}:${init.basic.password}`).toString('base64')}`;
  let body: string | undefined;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** `call` bound to one fake and one token. */
export function caller(baseUrl: string, token?: string) {
  return (method: string, path: string, init: Omit<CallInit, 'token'> & { token?: string } = {}): Promise<FakeResponse> =>
    call(baseUrl, method, path, { token, ...init });
}
