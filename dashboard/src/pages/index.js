// Every page of the dashboard, in navigation order, with the least role that may open it.
import alerts from "./alerts.js";
import audit from "./audit.js";
import errors from "./errors.js";
import infra from "./infra.js";
import logs from "./logs.js";
import metrics from "./metrics.js";
import overview from "./overview.js";
import report from "./report.js";
import security from "./security.js";
import traces from "./traces.js";
import uptime from "./uptime.js";
import vitals from "./vitals.js";

export const PAGES = [overview, uptime, logs, traces, errors, metrics, alerts, security, vitals, infra, report, audit];
