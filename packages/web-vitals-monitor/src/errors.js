// Frontend errors as Sentry events, sent as envelopes to the stack's Sentry-compatible ingest
// (POST /apm/api/{project}/envelope/?sentry_key=KEY, text/plain as @sentry/browser sends them).
// Identical errors in a burst are sent once, and at most ``maxEvents`` go out per page load.

import { parseStack } from "./stackframes.js";
import { post } from "./transport.js";

export const SDK = { name: "pitchey.web-vitals-monitor", version: "0.1.0" };

/** The envelope URL of a DSN ``http(s)://KEY@host[:port][/path]/PROJECT``; TypeError when malformed. */
export function envelopeUrl(dsn) {
  let url;
  try {
    url = new URL(dsn);
  } catch (_) {
    throw new TypeError(`errors.dsn ${JSON.stringify(dsn)} is not a URL (http://KEY@host/apm/1)`);
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const project = parts.pop();
  if (!/^https?:$/.test(url.protocol) || !url.username || !project || !/^\d+$/.test(project)) {
    throw new TypeError(`errors.dsn ${JSON.stringify(dsn)} must look like http://KEY@host/apm/1`);
  }
  const prefix = parts.length ? `/${parts.join("/")}` : "";
  const query = `sentry_key=${encodeURIComponent(url.username)}&sentry_version=7`;
  return `${url.protocol}//${url.host}${prefix}/api/${project}/envelope/?${query}`;
}

function eventId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID().replace(/-/g, "");
  let out = "";
  for (let i = 0; i < 32; i++) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}

/** The exception of ``error`` (an Error or anything thrown) with its parsed frames. */
export function exceptionOf(error, inApp, mechanism) {
  const isError = error instanceof Error || (error && typeof error === "object" && "stack" in error);
  const type = isError ? error.name || "Error" : "Error";
  let value;
  if (isError) value = String(error.message ?? "");
  else if (mechanism.type === "onunhandledrejection") value = `Non-Error promise rejection: ${safeText(error)}`;
  else value = `Non-Error exception: ${safeText(error)}`;
  const frames = isError ? parseStack(String(error.stack || ""), inApp) : [];
  const out = { type, value, mechanism };
  if (frames.length) out.stacktrace = { frames };
  return out;
}

function safeText(value) {
  try {
    return (typeof value === "string" ? value : JSON.stringify(value) ?? String(value)).slice(0, 1000);
  } catch (_) {
    return String(value).slice(0, 1000);
  }
}

function signature(exception) {
  const frames = (exception.stacktrace && exception.stacktrace.frames) || [];
  const top = frames[frames.length - 1] || {};
  return `${exception.type}|${exception.value}|${top.filename}:${top.lineno}:${top.colno}`;
}

export class ErrorReporter {
  /** ``context()`` answers {route, device, userId, traceparent, url, userAgent} at capture time. */
  constructor(options, context, inApp, send = post) {
    this.url = envelopeUrl(options.dsn);
    this.environment = options.environment;
    this.release = options.release;
    this.maxEvents = options.maxEvents ?? 20;
    this.dedupeWindowMs = options.dedupeWindowMs ?? 2000;
    this.context = context;
    this.inApp = inApp;
    this.send = send;
    this.seen = new Map(); // signature -> last time seen
    this.sent = 0;
    this.dropped = { duplicate: 0, cap: 0 };
  }

  /** The event id sent, or undefined when the error was a duplicate or over the page's cap. */
  capture(error, mechanism, componentStack) {
    if (this.sent >= this.maxEvents) {
      this.dropped.cap++; // checked first: a loop past the cap costs no parsing and no memory
      return undefined;
    }
    const exception = exceptionOf(error, this.inApp, mechanism);
    const key = signature(exception);
    const now = Date.now();
    const last = this.seen.get(key);
    this.seen.set(key, now);
    if (last !== undefined && now - last < this.dedupeWindowMs) {
      this.dropped.duplicate++;
      return undefined;
    }
    this.sent++;
    const event = this.event(exception, componentStack);
    this.send(this.url, envelope(event));
    return event.event_id;
  }

  event(exception, componentStack) {
    const ctx = this.context();
    const event = {
      event_id: eventId(),
      timestamp: Date.now() / 1000,
      platform: "javascript",
      level: "error",
      sdk: SDK,
      exception: { values: [exception] },
      transaction: ctx.route,
      tags: { route: ctx.route, device: ctx.device },
      request: { url: ctx.url, headers: { "User-Agent": ctx.userAgent } },
      contexts: {},
    };
    if (this.release) event.release = this.release;
    if (this.environment) event.environment = this.environment;
    if (ctx.userId != null) event.user = { id: String(ctx.userId) };
    const trace = ctx.traceparent && ctx.traceparent.split("-");
    if (trace) event.contexts.trace = { trace_id: trace[1], span_id: trace[2] };
    if (typeof componentStack === "string" && componentStack) event.contexts.react = { componentStack };
    return event;
  }
}

/** A one-event envelope: header, item header, payload. */
export function envelope(event) {
  const payload = JSON.stringify(event);
  const header = { event_id: event.event_id, sent_at: new Date().toISOString(), sdk: SDK };
  const length = new TextEncoder().encode(payload).length;
  return `${JSON.stringify(header)}\n${JSON.stringify({ type: "event", length })}\n${payload}\n`;
}
