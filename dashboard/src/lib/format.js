// Numbers, durations and times as people read them.

export function ms(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  const v = Number(value);
  if (v >= 60000) return `${(v / 60000).toFixed(1)} min`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
}

export function pct(ratio, digits = 2) {
  if (ratio === null || ratio === undefined || Number.isNaN(Number(ratio))) return "–";
  return `${(Number(ratio) * 100).toFixed(digits)}%`;
}

export function num(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  const v = Number(value);
  return Number.isInteger(v) ? v.toLocaleString("en") : v.toLocaleString("en", { maximumFractionDigits: 3 });
}

/** Epoch milliseconds, seconds or an ISO string to Date (null when it is none of them). */
export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return new Date(value < 1e11 ? value * 1000 : value);
  const d = new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function time(value) {
  const d = toDate(value);
  if (!d) return "–";
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(value, now = Date.now()) {
  const d = toDate(value);
  if (!d) return "never";
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 0) return "in the future";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function duration(msValue) {
  if (msValue === null || msValue === undefined) return "ongoing";
  const s = Math.round(Number(msValue) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A datetime-local input's value to epoch ms (null when empty). */
export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}
