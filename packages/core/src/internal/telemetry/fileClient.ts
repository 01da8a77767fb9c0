/**
 * The transport under Effect's own OTLP exporters (`effect/observability`): an `HttpClient` that stores each OTLP
 * request body in the run directory and, when an endpoint is configured, forwards it there too.
 *
 * ```
 * OtlpTracer / OtlpMetrics ── POST <base>/v1/traces ──▶ fileClient ─┬─ append   results/traces/<name>.jsonl
 *       (batching, retries,      POST <base>/v1/metrics             ├─ replace  results/metrics/<name>.json
 *        shutdown flush)                                            └─ forward  OTEL_EXPORTER_OTLP_ENDPOINT (optional)
 * ```
 *
 * The files are written first and once: a failing endpoint never makes the exporter retry, which would write the
 * same batch twice. Forwarding failures are counted, not raised.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Effect } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

export interface FileClientOptions {
  readonly tracesFile: string
  readonly metricsFile: string
  readonly forward?: HttpClient.HttpClient | undefined
  readonly forwardBase?: string | undefined
  readonly stats: { written: number; forwarded: number; forwardFailures: number }
}

const bodyBytes = (request: HttpClientRequest.HttpClientRequest): Uint8Array | undefined =>
  request.body._tag === "Uint8Array" ? request.body.body : undefined

const NEWLINE = Buffer.from("\n")
const DATA_POINTS = Buffer.from('"dataPoints"')

export const make = (options: FileClientOptions): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const bytes = bodyBytes(request)
      if (bytes !== undefined) {
        // The body's bytes go to the file as they are: decoding them to a string to append a newline would cost
        // two more passes over every batch (about 1 µs per span).
        const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        yield* Effect.sync(() => {
          if (url.pathname.endsWith("/v1/traces")) {
            mkdirSync(dirname(options.tracesFile), { recursive: true })
            appendFileSync(options.tracesFile, Buffer.concat([body, NEWLINE]))
          } else if (url.pathname.endsWith("/v1/metrics") && body.includes(DATA_POINTS)) {
            // A snapshot without a single data point is not written: an empty metrics file would claim metrics.
            mkdirSync(dirname(options.metricsFile), { recursive: true })
            const tmp = `${options.metricsFile}.${process.pid}.tmp`
            writeFileSync(tmp, body)
            renameSync(tmp, options.metricsFile)
          }
          options.stats.written++
        })
        if (options.forward !== undefined && options.forwardBase !== undefined) {
          const target = `${options.forwardBase.replace(/\/+$/, "")}${url.pathname.slice(url.pathname.lastIndexOf("/v1/"))}`
          const forwarded = HttpClientRequest.post(target).pipe(
            HttpClientRequest.bodyUint8Array(bytes, "application/json")
          )
          yield* options.forward.execute(forwarded).pipe(
            Effect.flatMap((r) => (r.status >= 200 && r.status < 300 ? Effect.void : Effect.fail(r.status))),
            Effect.timeout("5 seconds"),
            Effect.match({
              onFailure: () => {
                options.stats.forwardFailures++
              },
              onSuccess: () => {
                options.stats.forwarded++
              }
            })
          )
        }
      }
      return HttpClientResponse.fromWeb(request, new Response("{}", { status: 200 }))
    })
  )
