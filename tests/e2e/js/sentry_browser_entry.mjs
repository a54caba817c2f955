// The @sentry/browser package, unchanged, exposed to a test page as window.Sentry (bundled by esbuild).
import * as Sentry from "@sentry/browser";
window.Sentry = Sentry;
