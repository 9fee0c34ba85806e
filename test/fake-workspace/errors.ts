/** Databricks-shaped error answers. Route handlers throw these; the server turns them into responses. */

export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    /** JSON-serialisable body, or a raw string sent as-is */
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export function apiError(status: number, errorCode: string | number, message: string): FakeHttpError {
  return new FakeHttpError(status, { error_code: errorCode, message });
}

export const invalidParameter = (message: string): FakeHttpError => apiError(400, 'INVALID_PARAMETER_VALUE', message);
export const invalidState = (message: string): FakeHttpError => apiError(400, 'INVALID_STATE', message);
export const permissionDenied = (message: string): FakeHttpError => apiError(403, 'PERMISSION_DENIED', message);
export const notFound = (message: string): FakeHttpError => apiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const malformedRequest = (message: string): FakeHttpError => apiError(400, 'MALFORMED_REQUEST', message);

/** Bad or unknown bearer token: the integer error_code is deliberate (sharp edge 12). */
export const invalidToken = (): FakeHttpError => new FakeHttpError(403, { error_code: 403, message: 'Invalid access token.' });

export const expiredToken = (): FakeHttpError =>
  new FakeHttpError(401, { error_code: 401, message: 'Token is expired.' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

export const invalidClient = (): FakeHttpError =>
  new FakeHttpError(401, { error: 'invalid_client', error_description: 'Client authentication failed' });

export function tooManyRequests(message: string, retryAfterSeconds: number): FakeHttpError {
  return new FakeHttpError(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message }, { 'Retry-After': String(retryAfterSeconds) });
}
