/**
 * OTLP protobuf → OTLP/JSON, with protobufjs and a descriptor of opentelemetry-proto v1 (collector
 * `Export{Trace,Metrics,Logs}ServiceRequest`, which are wire-identical to `TracesData`, `MetricsData`, `LogsData`).
 *
 * Field names are written in their JSON (lowerCamel) form, so `toObject` yields the OTLP/JSON mapping directly,
 * except for bytes: trace and span ids become lower-case hex, `bytesValue` becomes base64. 64-bit integers become
 * decimal strings, enums stay numbers.
 */
import { createRequire } from "node:module"
import type * as ProtobufJs from "protobufjs"

const protobuf = createRequire(import.meta.url)("protobufjs/light.js") as typeof ProtobufJs

type Fields = Record<string, { type: string; id: number; rule?: "repeated" }>
const msg = (fields: Fields, oneofs?: Record<string, { oneof: Array<string> }>) =>
  oneofs === undefined ? { fields } : { fields, oneofs }
const rep = (type: string, id: number) => ({ type, id, rule: "repeated" as const })

const resourceRequest = (
  resourceField: string,
  scopeField: string,
  scopeType: string,
  itemField: string,
  item: string
) => ({
  [`Resource${scopeType}`]: msg({
    resource: { type: "Resource", id: 1 },
    [scopeField]: rep(`Scope${scopeType}`, 2),
    schemaUrl: { type: "string", id: 3 }
  }),
  [`Scope${scopeType}`]: msg({
    scope: { type: "InstrumentationScope", id: 1 },
    [itemField]: rep(item, 2),
    schemaUrl: { type: "string", id: 3 }
  }),
  [`Export${scopeType}Request`]: msg({ [resourceField]: rep(`Resource${scopeType}`, 1) })
})

const numberPoint = {
  attributes: rep("KeyValue", 7),
  startTimeUnixNano: { type: "fixed64", id: 2 },
  timeUnixNano: { type: "fixed64", id: 3 },
  asDouble: { type: "double", id: 4 },
  asInt: { type: "sfixed64", id: 6 },
  exemplars: rep("Exemplar", 5),
  flags: { type: "uint32", id: 8 }
}

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: msg(
          {
            stringValue: { type: "string", id: 1 },
            boolValue: { type: "bool", id: 2 },
            intValue: { type: "int64", id: 3 },
            doubleValue: { type: "double", id: 4 },
            arrayValue: { type: "ArrayValue", id: 5 },
            kvlistValue: { type: "KeyValueList", id: 6 },
            bytesValue: { type: "bytes", id: 7 }
          },
          {
            value: {
              oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"]
            }
          }
        ),
        ArrayValue: msg({ values: rep("AnyValue", 1) }),
        KeyValueList: msg({ values: rep("KeyValue", 1) }),
        KeyValue: msg({ key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } }),
        InstrumentationScope: msg({
          name: { type: "string", id: 1 },
          version: { type: "string", id: 2 },
          attributes: rep("KeyValue", 3),
          droppedAttributesCount: { type: "uint32", id: 4 }
        }),
        Resource: msg({ attributes: rep("KeyValue", 1), droppedAttributesCount: { type: "uint32", id: 2 } }),
        ...resourceRequest("resourceSpans", "scopeSpans", "Spans", "spans", "Span"),
        Span: msg({
          traceId: { type: "bytes", id: 1 },
          spanId: { type: "bytes", id: 2 },
          traceState: { type: "string", id: 3 },
          parentSpanId: { type: "bytes", id: 4 },
          flags: { type: "fixed32", id: 16 },
          name: { type: "string", id: 5 },
          kind: { type: "int32", id: 6 },
          startTimeUnixNano: { type: "fixed64", id: 7 },
          endTimeUnixNano: { type: "fixed64", id: 8 },
          attributes: rep("KeyValue", 9),
          droppedAttributesCount: { type: "uint32", id: 10 },
          events: rep("Event", 11),
          droppedEventsCount: { type: "uint32", id: 12 },
          links: rep("Link", 13),
          droppedLinksCount: { type: "uint32", id: 14 },
          status: { type: "Status", id: 15 }
        }),
        Event: msg({
          timeUnixNano: { type: "fixed64", id: 1 },
          name: { type: "string", id: 2 },
          attributes: rep("KeyValue", 3),
          droppedAttributesCount: { type: "uint32", id: 4 }
        }),
        Link: msg({
          traceId: { type: "bytes", id: 1 },
          spanId: { type: "bytes", id: 2 },
          traceState: { type: "string", id: 3 },
          attributes: rep("KeyValue", 4),
          droppedAttributesCount: { type: "uint32", id: 5 },
          flags: { type: "fixed32", id: 6 }
        }),
        Status: msg({ message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } }),
        ...resourceRequest("resourceMetrics", "scopeMetrics", "Metrics", "metrics", "Metric"),
        Metric: msg(
          {
            name: { type: "string", id: 1 },
            description: { type: "string", id: 2 },
            unit: { type: "string", id: 3 },
            gauge: { type: "Gauge", id: 5 },
            sum: { type: "Sum", id: 7 },
            histogram: { type: "Histogram", id: 9 },
            exponentialHistogram: { type: "ExponentialHistogram", id: 10 },
            summary: { type: "Summary", id: 11 },
            metadata: rep("KeyValue", 12)
          },
          { data: { oneof: ["gauge", "sum", "histogram", "exponentialHistogram", "summary"] } }
        ),
        Gauge: msg({ dataPoints: rep("NumberDataPoint", 1) }),
        Sum: msg({
          dataPoints: rep("NumberDataPoint", 1),
          aggregationTemporality: { type: "int32", id: 2 },
          isMonotonic: { type: "bool", id: 3 }
        }),
        Histogram: msg({ dataPoints: rep("HistogramDataPoint", 1), aggregationTemporality: { type: "int32", id: 2 } }),
        ExponentialHistogram: msg({
          dataPoints: rep("ExponentialHistogramDataPoint", 1),
          aggregationTemporality: { type: "int32", id: 2 }
        }),
        Summary: msg({ dataPoints: rep("SummaryDataPoint", 1) }),
        NumberDataPoint: msg(numberPoint, { value: { oneof: ["asDouble", "asInt"] } }),
        HistogramDataPoint: msg({
          attributes: rep("KeyValue", 9),
          startTimeUnixNano: { type: "fixed64", id: 2 },
          timeUnixNano: { type: "fixed64", id: 3 },
          count: { type: "fixed64", id: 4 },
          sum: { type: "double", id: 5 },
          bucketCounts: rep("fixed64", 6),
          explicitBounds: rep("double", 7),
          exemplars: rep("Exemplar", 8),
          flags: { type: "uint32", id: 10 },
          min: { type: "double", id: 11 },
          max: { type: "double", id: 12 }
        }),
        ExponentialHistogramDataPoint: msg({
          attributes: rep("KeyValue", 1),
          startTimeUnixNano: { type: "fixed64", id: 2 },
          timeUnixNano: { type: "fixed64", id: 3 },
          count: { type: "fixed64", id: 4 },
          sum: { type: "double", id: 5 },
          scale: { type: "sint32", id: 6 },
          zeroCount: { type: "fixed64", id: 7 },
          positive: { type: "Buckets", id: 8 },
          negative: { type: "Buckets", id: 9 },
          flags: { type: "uint32", id: 10 },
          exemplars: rep("Exemplar", 11),
          min: { type: "double", id: 12 },
          max: { type: "double", id: 13 },
          zeroThreshold: { type: "double", id: 14 }
        }),
        Buckets: msg({ offset: { type: "sint32", id: 1 }, bucketCounts: rep("uint64", 2) }),
        SummaryDataPoint: msg({
          attributes: rep("KeyValue", 7),
          startTimeUnixNano: { type: "fixed64", id: 2 },
          timeUnixNano: { type: "fixed64", id: 3 },
          count: { type: "fixed64", id: 4 },
          sum: { type: "double", id: 5 },
          quantileValues: rep("ValueAtQuantile", 6),
          flags: { type: "uint32", id: 8 }
        }),
        ValueAtQuantile: msg({ quantile: { type: "double", id: 1 }, value: { type: "double", id: 2 } }),
        Exemplar: msg(
          {
            filteredAttributes: rep("KeyValue", 7),
            timeUnixNano: { type: "fixed64", id: 2 },
            asDouble: { type: "double", id: 3 },
            asInt: { type: "sfixed64", id: 6 },
            spanId: { type: "bytes", id: 4 },
            traceId: { type: "bytes", id: 5 }
          },
          { value: { oneof: ["asDouble", "asInt"] } }
        ),
        ...resourceRequest("resourceLogs", "scopeLogs", "Logs", "logRecords", "LogRecord"),
        LogRecord: msg({
          timeUnixNano: { type: "fixed64", id: 1 },
          observedTimeUnixNano: { type: "fixed64", id: 11 },
          severityNumber: { type: "int32", id: 2 },
          severityText: { type: "string", id: 3 },
          body: { type: "AnyValue", id: 5 },
          attributes: rep("KeyValue", 6),
          droppedAttributesCount: { type: "uint32", id: 7 },
          flags: { type: "fixed32", id: 8 },
          traceId: { type: "bytes", id: 9 },
          spanId: { type: "bytes", id: 10 },
          eventName: { type: "string", id: 12 }
        }),
        RpcStatus: msg({ code: { type: "int32", id: 1 }, message: { type: "string", id: 2 } })
      }
    }
  }
}

const root = protobuf.Root.fromJSON(descriptor)
const types = {
  traces: root.lookupType("otlp.ExportSpansRequest"),
  metrics: root.lookupType("otlp.ExportMetricsRequest"),
  logs: root.lookupType("otlp.ExportLogsRequest")
}
const rpcStatus = root.lookupType("otlp.RpcStatus")

const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"])

const toJsonShape = (value: unknown, key: string): unknown => {
  if (value instanceof Uint8Array) {
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return ID_FIELDS.has(key) ? buf.toString("hex") : buf.toString("base64")
  }
  if (Array.isArray(value)) return value.map((v) => toJsonShape(v, key))
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJsonShape(v, k)
    return out
  }
  return value
}

/** Decodes an OTLP protobuf request body into its OTLP/JSON object; throws with protobufjs's message if malformed. */
export const decode = (signal: "traces" | "metrics" | "logs", body: Uint8Array): unknown => {
  const type = types[signal]
  const message = type.decode(body)
  const object = type.toObject(message, { longs: String, enums: Number, defaults: false, arrays: true })
  return toJsonShape(object, "")
}

/** Encodes a `google.rpc.Status` (the body of an OTLP/HTTP protobuf error response). */
export const encodeStatus = (code: number, message: string): Uint8Array =>
  rpcStatus.encode(rpcStatus.create({ code, message })).finish()
