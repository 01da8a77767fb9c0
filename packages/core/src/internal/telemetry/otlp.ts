/**
 * OTLP/JSON shapes (the protobuf JSON mapping of opentelemetry-proto v1) as zod schemas, and their flattening into
 * one record per span or metric point.
 *
 * ```
 * TracesData ─ resourceSpans[] ─ resource.attributes[] (service.name)
 *                              └ scopeSpans[] ─ scope.name
 *                                             └ spans[] ─ traceId(hex32) spanId(hex16) parentSpanId? name kind
 *                                                         startTimeUnixNano endTimeUnixNano attributes[] status
 * ```
 *
 * Ids are lower-case hex, nanosecond times are decimal strings (numbers are accepted and normalised), attribute
 * values are `AnyValue` objects (`{ stringValue }`, `{ intValue }`, …).
 */
import { z } from "zod"

const nanos = z.union([z.string().regex(/^\d+$/, "must be a decimal string of nanoseconds"), z.number().int().min(0)])

export interface AnyValueJson {
  readonly stringValue?: string | undefined
  readonly boolValue?: boolean | undefined
  readonly intValue?: string | number | undefined
  readonly doubleValue?: number | string | undefined
  readonly bytesValue?: string | undefined
  readonly arrayValue?: { readonly values?: ReadonlyArray<AnyValueJson> | undefined } | undefined
  readonly kvlistValue?:
    | { readonly values?: ReadonlyArray<{ readonly key: string; readonly value?: AnyValueJson | undefined }> }
    | undefined
}

export const AnyValue: z.ZodType<AnyValueJson> = z.lazy(() =>
  z
    .object({
      stringValue: z.string().optional(),
      boolValue: z.boolean().optional(),
      intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional(),
      doubleValue: z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]).optional(),
      bytesValue: z.string().optional(),
      arrayValue: z.object({ values: z.array(AnyValue).optional() }).optional(),
      kvlistValue: z.object({ values: z.array(z.object({ key: z.string(), value: AnyValue.optional() })) }).optional()
    })
    .loose()
)

export const KeyValue = z.object({ key: z.string(), value: AnyValue.optional() }).loose()
const attributes = z.array(KeyValue).optional()
const resource = z.object({ attributes, droppedAttributesCount: z.number().optional() }).loose().optional()
const scope = z.object({ name: z.string().optional(), version: z.string().optional(), attributes }).loose().optional()
const hex = (len: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), `must be ${len} hex digits (OTLP/JSON ids are hex)`)

export const OtlpSpan = z
  .object({
    traceId: hex(32),
    spanId: hex(16),
    parentSpanId: z.union([hex(16), z.literal("")]).optional(),
    traceState: z.string().optional(),
    name: z.string(),
    kind: z.number().int().min(0).max(5).optional(),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    attributes,
    events: z.array(z.object({ name: z.string(), timeUnixNano: nanos.optional(), attributes }).loose()).optional(),
    links: z.array(z.object({ traceId: hex(32), spanId: hex(16) }).loose()).optional(),
    status: z.object({ code: z.number().int().min(0).max(2).optional(), message: z.string().optional() }).optional()
  })
  .loose()

export const TracesData = z
  .object({
    resourceSpans: z.array(
      z
        .object({
          resource,
          scopeSpans: z.array(z.object({ scope, spans: z.array(OtlpSpan).optional() }).loose()).optional()
        })
        .loose()
    )
  })
  .loose()
export type TracesData = z.infer<typeof TracesData>

const numberPoint = z
  .object({
    attributes,
    startTimeUnixNano: nanos.optional(),
    timeUnixNano: nanos.optional(),
    asDouble: z.union([z.number(), z.string()]).optional(),
    asInt: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional()
  })
  .loose()
const histogramPoint = z
  .object({
    attributes,
    timeUnixNano: nanos.optional(),
    count: z.union([z.string().regex(/^\d+$/), z.number().int().min(0)]).optional(),
    sum: z.number().optional()
  })
  .loose()

export const OtlpMetric = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    unit: z.string().optional(),
    sum: z
      .object({ dataPoints: z.array(numberPoint).optional(), isMonotonic: z.boolean().optional() })
      .loose()
      .optional(),
    gauge: z
      .object({ dataPoints: z.array(numberPoint).optional() })
      .loose()
      .optional(),
    histogram: z
      .object({ dataPoints: z.array(histogramPoint).optional() })
      .loose()
      .optional(),
    exponentialHistogram: z
      .object({ dataPoints: z.array(histogramPoint).optional() })
      .loose()
      .optional(),
    summary: z
      .object({ dataPoints: z.array(histogramPoint).optional() })
      .loose()
      .optional()
  })
  .loose()

export const MetricsData = z
  .object({
    resourceMetrics: z.array(
      z
        .object({
          resource,
          scopeMetrics: z.array(z.object({ scope, metrics: z.array(OtlpMetric).optional() }).loose()).optional()
        })
        .loose()
    )
  })
  .loose()
export type MetricsData = z.infer<typeof MetricsData>

export const LogsData = z
  .object({
    resourceLogs: z.array(
      z
        .object({
          resource,
          scopeLogs: z
            .array(
              z
                .object({
                  scope,
                  logRecords: z
                    .array(
                      z
                        .object({
                          timeUnixNano: nanos.optional(),
                          severityNumber: z.number().int().optional(),
                          severityText: z.string().optional(),
                          body: AnyValue.optional(),
                          attributes,
                          traceId: z.union([hex(32), z.literal("")]).optional(),
                          spanId: z.union([hex(16), z.literal("")]).optional()
                        })
                        .loose()
                    )
                    .optional()
                })
                .loose()
            )
            .optional()
        })
        .loose()
    )
  })
  .loose()
export type LogsData = z.infer<typeof LogsData>

/** The plain value of an OTLP `AnyValue`. */
export const plainValue = (v: AnyValueJson | undefined): unknown => {
  if (v === undefined) return undefined
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return Number(v.doubleValue)
  if (v.bytesValue !== undefined) return v.bytesValue
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(plainValue)
  if (v.kvlistValue !== undefined) return attributesOf(v.kvlistValue.values)
  return undefined
}

export const attributesOf = (
  kvs: ReadonlyArray<{ readonly key: string; readonly value?: AnyValueJson | undefined }> | undefined
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const kv of kvs ?? []) out[kv.key] = plainValue(kv.value)
  return out
}

export const serviceOf = (
  res:
    | { readonly attributes?: ReadonlyArray<{ key: string; value?: AnyValueJson | undefined }> | undefined }
    | undefined
): string => {
  const name = attributesOf(res?.attributes)["service.name"]
  return typeof name === "string" ? name : "unknown_service"
}
