// Web Vitals from the web-vitals attribution build, batched into beacons the stack accepts:
// POST {endpoint} with {"metrics": [<Metric + route, device, userId, traceparent>, ...]}.

import { onCLS, onFCP, onINP, onLCP, onTTFB } from "web-vitals/attribution";
import { post } from "./transport.js";

const MAX_BODY_CHARS = 60000; // the stack takes 64 KB a beacon, sendBeacon 64 KiB in flight
const MAX_ITEMS = 100; // the stack's limit of items a beacon

/** The attribution's scalar fields (the stack drops nested objects such as DOM nodes and entries). */
function scalarFields(attribution) {
  const out = {};
  if (!attribution || typeof attribution !== "object") return out;
  for (const [key, value] of Object.entries(attribution)) {
    const kind = typeof value;
    if (kind === "string") out[key] = value.slice(0, 200);
    else if ((kind === "number" && Number.isFinite(value)) || kind === "boolean") out[key] = value;
  }
  return out;
}

/** One beacon item: the Metric's own fields plus where and for whom it was measured. */
export function beaconItem(metric, context) {
  const item = {
    name: metric.name,
    value: metric.value,
    delta: metric.delta,
    id: metric.id,
    rating: metric.rating,
    navigationType: metric.navigationType,
    route: context.route,
    device: context.device,
    timestamp: Date.now(),
    attribution: scalarFields(metric.attribution),
  };
  if (context.userId != null) item.userId = context.userId;
  if (context.traceparent) item.traceparent = context.traceparent;
  return item;
}

/** Metrics waiting to be sent; a newer report of one metric id replaces the queued one. */
export class Batch {
  constructor(endpoint, { maxBatch = 10, flushAfterMs = 5000 } = {}, send = post) {
    this.endpoint = endpoint;
    this.maxBatch = Math.max(1, Math.min(MAX_ITEMS, maxBatch));
    this.flushAfterMs = flushAfterMs;
    this.send = send;
    this.queue = [];
    this.timer = null;
    this.soon = false;
    this.sent = []; // how each beacon went out: "beacon", "fetch" or "none"
  }

  add(item, hidden) {
    const at = this.queue.findIndex((q) => q.id === item.id && q.name === item.name);
    if (at >= 0) this.queue[at] = item;
    else this.queue.push(item);
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (hidden) this.flushSoon(); // reported while the page hides: it may never show again
    else if (this.timer === null && this.flushAfterMs > 0) {
      this.timer = setTimeout(() => this.flush(), this.flushAfterMs);
    }
  }

  /** A metric reported while the page is hidden goes out in the next task. The metrics that
   * web-vitals reports on the visibilitychange to hidden are sent sooner, all in one beacon, by
   * the monitor's own visibilitychange listener (it runs after web-vitals' ones). */
  flushSoon() {
    if (this.soon) return;
    this.soon = true;
    setTimeout(() => {
      this.soon = false;
      this.flush();
    }, 0);
  }

  flush() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length) {
      let take = this.queue.length;
      let body = JSON.stringify({ metrics: this.queue.slice(0, take) });
      while (body.length > MAX_BODY_CHARS && take > 1) {
        take = Math.ceil(take / 2);
        body = JSON.stringify({ metrics: this.queue.slice(0, take) });
      }
      this.queue.splice(0, take);
      this.sent.push(this.send(this.endpoint, body));
    }
  }
}

/** Starts the five observers; ``report(metric)`` receives every Metric. */
export function observeVitals(report) {
  for (const on of [onCLS, onINP, onLCP, onFCP, onTTFB]) on(report);
}
