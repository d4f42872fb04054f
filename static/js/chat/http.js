// The REST API over fetch, authenticated by the session cookie; unsafe methods carry Django's CSRF token.
// fetch and the token come from the caller, so that this runs under Node too.

import { gettext, interpolate } from './i18n.js';

export class ApiError extends Error {
  constructor(status, data) {
    super(describe(status, data));
    this.status = status;
    this.data = data;
  }
}

function describe(status, data) {
  if (status === 0) return gettext('The server cannot be reached. Check your connection and try again.');
  if (data && typeof data.detail === 'string') return data.detail;
  if (data && typeof data === 'object') {
    for (const [field, value] of Object.entries(data)) {
      const text = Array.isArray(value) ? value.join(' ') : String(value);
      return field === 'non_field_errors' ? text : `${field}: ${text}`;
    }
  }
  return interpolate(gettext('The server answered %(status)s.'), { status }, true);
}

/** Django's CSRF token from a `document.cookie` string. */
export function csrfTokenFrom(cookie) {
  const match = cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

/**
 * Return `api(path, options)`: options are method, json (a body to encode), form (FormData)
 * and query (an object). Resolves to the decoded answer (null for 204), rejects with ApiError.
 * `csrfToken()` gives the token for unsafe methods; `onUnauthenticated()` hears of a 401.
 */
export function createApi(base, { fetch = globalThis.fetch, csrfToken, onUnauthenticated }) {
  return async function api(path, { method = 'GET', json, form, query } = {}) {
    const headers = { Accept: 'application/json' };
    let body;
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
    const url = base + path + (query ? `?${new URLSearchParams(query)}` : '');
    let response;
    try {
      response = await fetch(url, { method, headers, body, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, null);
    }
    if (response.status === 401) onUnauthenticated();
    if (response.status === 204 || response.status === 205) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  };
}

export const PROBE_TIMEOUT_MS = 3000;

/**
 * Return `probe()`, which resolves true when the server answers `url` (its /healthz: no session,
 * no database) with a success, and false when it cannot be reached, fails or takes too long.
 */
export function createProbe(url, { fetch = globalThis.fetch, timeoutMs = PROBE_TIMEOUT_MS } = {}) {
  return async function probe() {
    try {
      const response = await fetch(url, { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(timeoutMs) });
      return response.ok;
    } catch {
      return false;
    }
  };
}
