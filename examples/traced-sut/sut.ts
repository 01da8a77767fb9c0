/**
 * The system under test of the traced-sut example: three services in one process, each instrumented with the
 * official OpenTelemetry Node SDK and exporting over OTLP/HTTP to whatever the standard variables say (traces; the
 * gateway also exports a `checkout.requests` counter)
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL` = `http/protobuf` | `http/json`,
 * `OTEL_EXPORTER_OTLP_TIMEOUT`).
 *
 * ```
 * GET /checkout?sku=…  ─▶  gateway ──POST /orders──▶ orders ──POST /reserve──▶ inventory
 *   traceparent, x-correlation-id are propagated on every hop (W3C trace context)
 * ```
 *
 * Switches, for planting defects (environment variables):
 * - `SUT_DROP_CONTEXT=orders` — orders calls inventory without `traceparent` (the correlation id still flows);
 * - `SUT_FLUSH_PER_REQUEST=1` — the gateway waits for every exporter to flush before it answers (a blocking exporter);
 * - `SUT_FAIL_SKU=<sku>` — inventory answers 500 for that sku.
 *
 * It prints JSON events on stdout: `{"event":"ready","url"}` once listening, `{"event":"export","service","ok",
 * "spans","ids"}` after each export attempt (`ids`: the correlation id of each span), `{"event":"stopped"}` after SIGTERM has flushed every exporter.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace
} from "@opentelemetry/api"
import { W3CTraceContextPropagator } from "@opentelemetry/core"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter
} from "@opentelemetry/sdk-trace-base"

propagation.setGlobalPropagator(new W3CTraceContextPropagator())

const dropContext = process.env.SUT_DROP_CONTEXT ?? ""
const flushPerRequest = process.env.SUT_FLUSH_PER_REQUEST === "1"
const failSku = process.env.SUT_FAIL_SKU ?? ""
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)

/** Reports every export attempt on stdout, so a test can wait for one instead of sleeping. */
const reporting = (service: string, inner: SpanExporter): SpanExporter => ({
  export: (spans: Array<ReadableSpan>, done) =>
    inner.export(spans, (result) => {
      const ids = spans.map((x) => String(x.attributes["correlation.id"] ?? ""))
      emit({ event: "export", service, ok: result.code === 0, spans: spans.length, ids })
      done(result)
    }),
  shutdown: () => inner.shutdown(),
  forceFlush: () => inner.forceFlush?.() ?? Promise.resolve()
})

const makeProvider = (service: string) => {
  const exporter = process.env.OTEL_EXPORTER_OTLP_PROTOCOL === "http/json" ? new JsonExporter() : new ProtoExporter()
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new BatchSpanProcessor(reporting(service, exporter), { scheduledDelayMillis: 100 })]
  })
}

const headerText = (req: IncomingMessage, name: string) => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
  })

/** POST `body` to `url` inside a CLIENT span; injects traceparent unless this service drops context. */
const call = (
  service: string,
  tracer: ReturnType<BasicTracerProvider["getTracer"]>,
  parent: Context,
  url: string,
  body: string,
  correlationId: string
): Promise<number> => {
  const span = tracer.startSpan(`POST ${new URL(url).pathname}`, { kind: SpanKind.CLIENT }, parent)
  span.setAttribute("correlation.id", correlationId)
  const headers: Record<string, string> = { "content-type": "application/json", "x-correlation-id": correlationId }
  if (dropContext !== service) propagation.inject(trace.setSpan(parent, span), headers)
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: "POST", headers, agent: false }, (res) => {
      res.resume()
      res.on("end", () => {
        span.setAttribute("http.response.status_code", res.statusCode ?? 0)
        if ((res.statusCode ?? 0) >= 500)
          span.setStatus({ code: SpanStatusCode.ERROR, message: `upstream ${res.statusCode}` })
        span.end()
        resolve(res.statusCode ?? 0)
      })
    })
    req.on("error", (e) => {
      span.recordException(e)
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message })
      span.end()
      resolve(599)
    })
    req.end(body)
  })
}

type Handler = (req: IncomingMessage, span: Span, ctx: Context, correlationId: string) => Promise<number>

/** An HTTP service whose every request is a SERVER span continuing the caller's trace context. */
const service = (name: string, provider: BasicTracerProvider, handler: Handler): Server => {
  const tracer = provider.getTracer(name)
  return createServer((req, res) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers)
    const path = (req.url ?? "/").split("?")[0]!
    const span = tracer.startSpan(`${req.method} ${path}`, { kind: SpanKind.SERVER }, parent)
    const correlationId = headerText(req, "x-correlation-id") ?? ""
    span.setAttributes({ "http.request.method": req.method ?? "", "url.path": path, "correlation.id": correlationId })
    const ctx = trace.setSpan(parent, span)
    context
      .with(ctx, () => handler(req, span, ctx, correlationId))
      .then(async (status) => {
        span.setAttribute("http.response.status_code", status)
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${status}` })
        span.end()
        if (name === "gateway" && flushPerRequest) await Promise.all(providers.map((p) => p.forceFlush()))
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status }))
      })
  })
}

const providers = [makeProvider("gateway"), makeProvider("orders"), makeProvider("inventory")]
// The gateway also counts its requests: a cumulative OTLP/JSON counter, exported every 500 ms and at shutdown.
const meters = new MeterProvider({
  resource: resourceFromAttributes({ "service.name": "gateway" }),
  readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 500 })]
})
const served = meters.getMeter("gateway").createCounter("checkout.requests", { description: "requests answered" })
const [gatewayProvider, ordersProvider, inventoryProvider] = providers as [
  BasicTracerProvider,
  BasicTracerProvider,
  BasicTracerProvider
]

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  )

const inventory = service("inventory", inventoryProvider, async (req, span) => {
  const { sku } = JSON.parse(await readBody(req)) as { sku: string }
  span.setAttribute("inventory.sku", sku)
  return sku === failSku ? 500 : 200
})
const inventoryUrl = await listen(inventory)

const orders = service("orders", ordersProvider, async (req, _span, ctx, correlationId) => {
  const body = await readBody(req)
  const status = await call(
    "orders",
    ordersProvider.getTracer("orders"),
    ctx,
    `${inventoryUrl}/reserve`,
    body,
    correlationId
  )
  return status >= 500 ? 502 : 201
})
const ordersUrl = await listen(orders)

const gateway = service("gateway", gatewayProvider, async (req, _span, ctx, correlationId) => {
  const sku = new URL(req.url ?? "/", "http://x").searchParams.get("sku") ?? "none"
  const status = await call(
    "gateway",
    gatewayProvider.getTracer("gateway"),
    ctx,
    `${ordersUrl}/orders`,
    JSON.stringify({ sku }),
    correlationId
  )
  const answer = status >= 500 ? 502 : 200
  served.add(1, { "http.response.status_code": answer })
  return answer
})
const gatewayUrl = await listen(gateway)
emit({ event: "ready", url: gatewayUrl })

process.once("SIGTERM", async () => {
  for (const s of [gateway, orders, inventory]) s.close()
  await Promise.all([...providers.map((p) => p.shutdown()), meters.shutdown()])
  emit({ event: "stopped" })
  process.exit(0)
})
