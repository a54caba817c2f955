// The OpenTelemetry JS SDK, unchanged, exporting one trace with its OTLP/HTTP JSON exporter.
// Usage: node otel_trace_export.mjs <base url> <bearer token> <service>
// Prints {"trace_id": ..., "code": <export result code>} on stdout.
import { trace, context, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { TracerProvider, SimpleSpanProcessor, StackContextManager } from "@opentelemetry/sdk-trace";

const [base, token, service] = process.argv.slice(2);
const results = [];
class Recording extends OTLPTraceExporter {
  export(spans, done) {
    super.export(spans, (result) => {
      results.push(result.code);
      done(result);
    });
  }
}
const exporter = new Recording({ url: `${base}/v1/traces`, headers: { authorization: `Bearer ${token}` } });
const provider = new TracerProvider({
  resource: resourceFromAttributes({ "service.name": service }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
context.setGlobalContextManager(new StackContextManager().enable());
const tracer = provider.getTracer("js-test", "1.0.0");
const root = tracer.startSpan("POST /checkout", {
  kind: SpanKind.SERVER,
  attributes: { "http.route": "/checkout", "http.request.method": "POST", "retries": 2, "cached": false },
});
const child = tracer.startSpan("charge card", { kind: SpanKind.CLIENT, attributes: { "peer.service": "payments" } },
  trace.setSpan(context.active(), root));
child.setStatus({ code: SpanStatusCode.ERROR, message: "card declined" });
child.addEvent("retry", { attempt: 1 });
child.end();
root.end();
await provider.forceFlush();
await provider.shutdown();
process.stdout.write(JSON.stringify({ trace_id: root.spanContext().traceId, codes: results }) + "\n");
