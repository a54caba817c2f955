// One way out for every payload: navigator.sendBeacon, and fetch(..., {keepalive: true}) when the
// beacon API is missing or refuses the body (it returns false when its queue is full).
// Bodies go as text/plain, a CORS-safelisted type: no preflight, which keepalive requests and
// beacons cannot wait for. The stack reads text/plain bodies as JSON (vitals) or envelopes (errors).

const KEEPALIVE_LIMIT = 60000; // browsers cap the keepalive bytes in flight at 64 KiB

/** Sends ``body`` (a string) to ``url``; returns "beacon", "fetch" or "none" (how it went out). */
export function post(url, body) {
  const nav = typeof navigator === "undefined" ? undefined : navigator;
  if (nav && typeof nav.sendBeacon === "function") {
    try {
      if (nav.sendBeacon(url, body)) return "beacon";
    } catch (_) {
      // a beacon to a bad URL throws; try fetch, which reports the same problem as a rejection
    }
  }
  if (typeof fetch !== "function") return "none";
  fetch(url, {
    method: "POST",
    body,
    keepalive: body.length < KEEPALIVE_LIMIT,
    mode: "cors",
    credentials: "omit",
    headers: { "content-type": "text/plain;charset=UTF-8" },
  }).catch(() => {});
  return "fetch";
}
