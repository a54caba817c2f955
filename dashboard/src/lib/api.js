// The Workers' API as the dashboard calls it. Where the Workers are comes from config.json beside
// the page (written by the build: `./dev dashboard-build --api https://...`), so the CSP's
// connect-src and the client agree. Who is asking: in production the Cloudflare Access cookie
// (sent with credentials: "include"); locally an API token typed into the sign-in form, kept in
// sessionStorage for this tab only and sent as a Bearer token.

const TOKEN_KEY = "edgewatch.token";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const ROLES = ["viewer", "operator", "admin"];

export function roleAtLeast(role, needed) {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed) && ROLES.indexOf(role) >= 0;
}

export class Api {
  constructor(base) {
    this.base = String(base || "").replace(/\/+$/, "");
    this.principal = null;
  }

  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  url(path, query) {
    const u = new URL(this.base + path, this.base ? undefined : location.href);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
    }
    return u.href;
  }

  async request(method, path, { query, body, anonymous = false } = {}) {
    const headers = {};
    if (this.token && !anonymous) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      response = await fetch(this.url(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: anonymous ? "omit" : "include",
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "unreachable", `cannot reach ${this.base || location.origin}${path.split("?")[0]}`);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const err = data && data.error ? data.error : {};
      throw new ApiError(response.status, err.code || `http_${response.status}`, err.message || text.slice(0, 200) || response.statusText);
    }
    return data;
  }

  get(path, query) {
    return this.request("GET", path, { query });
  }

  /** A public route (the status page): no credentials, as any visitor would ask. */
  getPublic(path, query) {
    return this.request("GET", path, { query, anonymous: true });
  }

  send(method, path, body) {
    return this.request(method, path, { body });
  }

  /** Who the Workers take us for; null when not signed in. */
  async whoami() {
    try {
      this.principal = await this.get("/monitoring/_whoami");
    } catch (err) {
      if (err.status === 401 || err.status === 403) this.principal = null;
      else throw err;
    }
    return this.principal;
  }

  can(role) {
    return !!this.principal && roleAtLeast(this.principal.role, role);
  }
}

export async function loadConfig() {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = await response.json();
  return {
    api: String(config.api || ""),
    refreshSeconds: Number(config.refreshSeconds || 15),
    selfMonitoring: config.selfMonitoring !== false,
    sentryDsn: config.sentryDsn ? String(config.sentryDsn) : "",
    environment: String(config.environment || "production"),
  };
}
