/**
 * Building blocks shared by every package's `24h` subcommands, and core's own `24h run …` commands.
 *
 * Conventions every subcommand follows (so agents can script them):
 * - `--json` prints one JSON document on stdout (success or failure); without it, human text.
 * - Exit codes: {@link ExitCode} — 0 ok, 1 the thing ran and its verdict failed, 2 bad input, 3 runtime failure.
 * - Failures are {@link CliExit} values: the message is rendered by `effect/cli`, the code becomes the exit code.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Console, Data, Effect, Option } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
import { type CoreError, coreError, preview } from "./CoreError.ts"
import * as Run from "./Run.ts"
import * as Seed from "./Seed.ts"

/**
 * Exit codes of the `24h` binary.
 *
 * @example
 * ```ts
 * import { CliExit, ExitCode } from "@24h/core/cli"
 *
 * declare const violated: number
 * const verdict = violated > 0 ? new CliExit({ code: ExitCode.Failed, message: `${violated} invariants violated` }) : undefined
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const ExitCode = {
  /** Done, and the verdict (if any) passed. */
  Ok: 0,
  /** Done, and the verdict failed (violated threshold, failed invariant, failing pipeline). */
  Failed: 1,
  /** Bad input: a flag, payload or file failed validation. Nothing was written. */
  Usage: 2,
  /** A runtime failure: I/O, a port in use, a crash in the SUT harness. */
  Runtime: 3
} as const

/**
 * A command failure carrying its exit code. `effect/cli` renders `message`; the `24h` binary exits with `code`.
 *
 * @example
 * ```ts
 * import { CliExit, ExitCode } from "@24h/core/cli"
 * import { Effect } from "effect"
 *
 * const readPort = (text: string) => {
 *   const port = Number(text)
 *   return Number.isInteger(port) && port > 0 && port < 65_536
 *     ? Effect.succeed(port)
 *     : Effect.fail(new CliExit({ code: ExitCode.Usage, message: `--port: expected 1–65535 (got ${JSON.stringify(text)})` }))
 * }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class CliExit extends Data.TaggedError("CliExit")<{
  readonly code: number
  readonly message: string
  readonly details?: unknown
}> {
  /** What effect/cli prints on stderr: the message, with control characters escaped ({@link terminalSafe}). */
  override get [CliError.userMessage](): string {
    return terminalSafe(this.message)
  }
}

/**
 * The `--json` flag every command accepts.
 *
 * @example
 * ```ts
 * import { emit, json } from "@24h/core/cli"
 * import { Command } from "effect/cli"
 *
 * const hello = Command.make("hello", { json }, (o) => emit({ ok: true, greeting: "hello" }, o.json, (v) => v.greeting))
 * ```
 *
 * @category flags
 * @since 0.1.0
 */
export const json = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Print one JSON document on stdout, for agents and scripts")
)

/**
 * Prints a value: as JSON when `asJson`, otherwise through `human` (defaults to pretty JSON).
 *
 * @example
 * ```ts
 * import { emit } from "@24h/core/cli"
 *
 * const report = { ok: true, passed: 12, failed: 0 }
 * const asText = emit(report, false, (r) => `${r.passed} passed, ${r.failed} failed`) // "12 passed, 0 failed"
 * const asJson = emit(report, true) // {"ok":true,"passed":12,"failed":0}
 * ```
 *
 * @category output
 * @since 0.1.0
 */
export const emit = <A>(value: A, asJson: boolean, human?: (value: A) => string): Effect.Effect<void> =>
  Console.log(
    asJson ? JSON.stringify(value) : human === undefined ? JSON.stringify(value, null, 2) : terminalSafe(human(value))
  )

/**
 * Makes text safe to print on a terminal: every control character but newline and tab (ANSI escapes, carriage
 * returns, backspaces, C1 controls) and every bidirectional override is shown as a visible escape (`\x1b`,
 * `\u{202e}`), so a finding title cannot recolour, rewrite or hide what the terminal shows. {@link emit} applies it to
 * all human output; JSON output needs none (JSON escapes control characters itself).
 *
 * @example
 * ```ts
 * import { terminalSafe } from "@24h/core/cli"
 *
 * terminalSafe("\u001b[2Jwiped") // "\\x1b[2Jwiped"
 * ```
 *
 * @category output
 * @since 0.2.0
 */
export const terminalSafe = (text: string): string =>
  text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const n = c.charCodeAt(0)
      return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`
    }
  )

/**
 * The exit code for a failure `reason`, the same in every command: bad input (`Invalid…`, `NotFound`, `Missing…`,
 * `ViewEdited`…) is {@link ExitCode}.Usage (2), a duplicate or failed verdict is {@link ExitCode}.Failed (1),
 * anything else (I/O, a lock, a crash) {@link ExitCode}.Runtime (3).
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "@24h/core/cli"
 *
 * exitCodeOf("InvalidPayload") // 2
 * exitCodeOf("Io") // 3
 * ```
 *
 * @category output
 * @since 0.2.0
 */
export const exitCodeOf = (reason: string | undefined, usage: ReadonlyArray<string> = []): number =>
  reason === undefined
    ? ExitCode.Runtime
    : reason.startsWith("Invalid") ||
        reason.startsWith("Missing") ||
        reason === "NotFound" ||
        reason === "NotADirectory" ||
        reason === "ViewEdited" ||
        usage.includes(reason)
      ? ExitCode.Usage
      : reason === "Duplicate" || reason === "VerdictFailed"
        ? ExitCode.Failed
        : ExitCode.Runtime

/**
 * Options for {@link exitOnError}.
 *
 * @category output
 * @since 0.1.0
 */
export interface ExitOnErrorOptions {
  /** Exit code for failures that are not bad input. Default {@link ExitCode}.Runtime. */
  readonly code?: number
  /**
   * Which `reason`s mean bad input (exit 2). Default: every reason starting with `Invalid`; add your package's own
   * (e.g. `["UncitedRecommendation"]`).
   */
  readonly usage?: ReadonlyArray<string>
}

/**
 * Turns any tagged failure with a `message` into a {@link CliExit}: reasons starting with `Invalid` (and any listed
 * in `options.usage`) exit 2, the rest `options.code` (3). With `--json` the failure is also printed as
 * `{"ok":false,"error":{"tag","reason","message","module","field","value",…}}` on stdout (the data fields when the
 * error has them) so agents can parse it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { exitOnError } from "@24h/core/cli"
 * const handler = (json: boolean) => Effect.fail({ _tag: "MyError", reason: "Missing", message: "no such run" }).pipe(
 *   exitOnError(json, { usage: ["Missing"] })
 * )
 * ```
 *
 * @category output
 * @since 0.1.0
 */
export const exitOnError =
  (asJson: boolean, options: ExitOnErrorOptions = {}) =>
  <A, E extends { readonly message: string; readonly _tag?: string; readonly reason?: unknown }, R>(
    self: Effect.Effect<A, E, R>
  ): Effect.Effect<A, CliExit, R> =>
    Effect.catch(self, (e: E) => {
      if (e instanceof CliExit) return Effect.fail(e)
      const reason = typeof e.reason === "string" ? e.reason : undefined
      const code = exitCodeOf(reason, options.usage)
      const error = { tag: e._tag, reason, message: e.message, ...dataOf(e) }
      return Effect.andThen(
        asJson ? Console.log(JSON.stringify({ ok: false, error })) : Effect.void,
        Effect.fail(
          new CliExit({
            code: code === ExitCode.Runtime ? (options.code ?? ExitCode.Runtime) : code,
            message: terminalSafe(e.message),
            details: error
          })
        )
      )
    })

/** The data fields of an error worth giving an agent (everything but the tag, message, cause and stack). */
const dataOf = (e: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(e)) {
    if (k === "_tag" || k === "message" || k === "cause" || k === "stack" || k === "reason" || v === undefined) continue
    if (k === "value") {
      out[k] = v // `value` is JSON-safe already (ErrorData), `null` included
      continue
    }
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || Array.isArray(v)) out[k] = v
    else if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) out[k] = v
  }
  return out
}

/**
 * Checks that `dir`, given with `flag`, is an existing directory: `NotFound` when nothing is there, `NotADirectory`
 * (with `hint`, e.g. which flag takes a file) when it is a file. Both exit 2.
 *
 * @example
 * ```ts
 * import { existingDirectory } from "@24h/core/cli"
 *
 * const dir = existingDirectory("--output", "runs/run-01", "--output names the ledger directory")
 * ```
 *
 * @category input
 * @since 0.2.0
 */
export const existingDirectory = (flag: string, dir: string, hint?: string): Effect.Effect<string, CoreError> =>
  Effect.suspend(() => {
    const abs = path.resolve(dir)
    let st: fs.Stats
    try {
      st = fs.statSync(abs)
    } catch {
      return Effect.fail(coreError("NotFound", `${flag}: no such directory ${abs}`))
    }
    return st.isDirectory() ? Effect.succeed(abs) : Effect.fail(notADirectory(flag, abs, abs, hint))
  })

const notADirectory = (flag: string, dir: string, file: string, hint: string | undefined): CoreError =>
  coreError(
    "NotADirectory",
    `${flag}: ${file === dir ? dir : `${file} (in ${dir})`} is a file, not a directory${hint === undefined ? "" : ` (${hint})`}`
  )

/**
 * Makes sure `dir`, given with `flag`, is a directory, creating it (and its parents) when missing. A file in the
 * way is `NotADirectory` (exit 2); a parent that cannot be written is `Io` naming that parent and why (`EACCES`,
 * `EROFS`), not the `ENOENT` or `EEXIST` that `mkdir -p` reports.
 *
 * @example
 * ```ts
 * import { ensureDirectory } from "@24h/core/cli"
 *
 * const dir = ensureDirectory("--output", "runs/run-01")
 * ```
 *
 * @category input
 * @since 0.2.0
 */
export const ensureDirectory = (flag: string, dir: string, hint?: string): Effect.Effect<string, CoreError> =>
  Effect.suspend(() => {
    const abs = path.resolve(dir)
    let existing = abs
    for (;;) {
      let st: fs.Stats | undefined
      try {
        st = fs.statSync(existing)
      } catch {
        st = undefined
      }
      if (st !== undefined) {
        if (!st.isDirectory()) return Effect.fail(notADirectory(flag, abs, existing, hint))
        break
      }
      const up = path.dirname(existing)
      if (up === existing) break
      existing = up
    }
    if (existing === abs) return Effect.succeed(abs)
    try {
      fs.mkdirSync(abs, { recursive: true })
      return Effect.succeed(abs)
    } catch (e) {
      let why = (e as NodeJS.ErrnoException).code ?? (e as Error).message
      try {
        fs.accessSync(existing, fs.constants.W_OK)
      } catch (a) {
        why = (a as NodeJS.ErrnoException).code ?? why
      }
      return Effect.fail(coreError("Io", `${flag}: cannot create ${abs}: ${existing} is not writable (${why})`, e))
    }
  })

const str = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description))
const optStr = (name: string, description: string) => Flag.optional(str(name, description))

const optionalFields = (o: Record<string, Option.Option<string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(o)) if (Option.isSome(v)) out[k] = v.value
  return out
}

const describeStatus = (s: Run.Status): string =>
  [
    `${s.dir}`,
    `  entry ${s.entryId}, ${s.runId}, seed ${JSON.stringify(s.seed)}`,
    ...Run.PHASES.map((p) => {
      const c = s.completed.find((x) => x.phase === p)
      return `  ${c ? "✓" : p === s.next ? "→" : " "} ${p}${c ? ` (completed ${c.completedAt})` : ""}`
    }),
    s.next === null ? "  all phases completed" : `  next: ${s.next}`
  ].join("\n")

const init = Command.make(
  "init",
  {
    entryId: str("entry-id", "ENTRY_ID: letters, digits, '.', '_' or '-'"),
    title: str("title", "ENTRY_TITLE"),
    priority: optStr("priority", "PRIORITY"),
    riskClass: optStr("risk-class", "RISK_CLASS"),
    industry: optStr("industry", "INDUSTRY"),
    deploymentMode: optStr("deployment-mode", "DEPLOYMENT_MODE"),
    checklistFile: optStr("checklist-file", "CHECKLIST_FILE"),
    missionBrief: optStr("mission-brief", "MISSION_BRIEF"),
    seed: optStr("seed", "Root seed (default: $H24_SEED, else fresh; recorded in run.json)"),
    root: str("root", "Folder holding <entry>/run-*").pipe(Flag.withDefault("runs")),
    resume: Flag.Boolean("resume").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Reopen the entry's latest run if it has phases left")
    ),
    json
  },
  (o) =>
    Effect.gen(function* () {
      const seed = Option.isSome(o.seed) ? yield* Seed.parse(o.seed.value) : undefined
      const run = yield* Run.make({
        root: o.root,
        metadata: {
          ENTRY_ID: o.entryId,
          ENTRY_TITLE: o.title,
          ...optionalFields({
            PRIORITY: o.priority,
            RISK_CLASS: o.riskClass,
            INDUSTRY: o.industry,
            DEPLOYMENT_MODE: o.deploymentMode,
            CHECKLIST_FILE: o.checklistFile,
            MISSION_BRIEF: o.missionBrief
          })
        },
        ...(seed === undefined ? {} : { seed }),
        ...(o.resume ? { resume: "latest" } : {})
      })
      const s = yield* Run.status(run)
      yield* emit(
        { ok: true, resumed: run.resumed, replay: run.metadata.replay, ...s },
        o.json,
        (v) => `${v.resumed ? "resumed" : "created"} ${describeStatus(s)}\nreplay with ${v.replay}`
      )
    }).pipe(exitOnError(o.json))
).pipe(Command.withDescription("Create a run directory runs/<entry>/run-YYYY-MM-DD-NN (or resume the latest)"))

const status = Command.make(
  "status",
  { dir: Argument.String("run-dir").pipe(Argument.withDescription("A run directory, or runs/<entry>/latest")), json },
  (o) =>
    Effect.gen(function* () {
      yield* existingDirectory("run-dir", o.dir)
      const s = yield* Run.status(o.dir)
      yield* emit({ ok: true, ...s }, o.json, () => describeStatus(s))
    }).pipe(exitOnError(o.json))
).pipe(Command.withDescription("Show which phases of a run completed and which comes next"))

const checkpoint = Command.make(
  "checkpoint",
  {
    dir: Argument.String("run-dir").pipe(Argument.withDescription("A run directory, or runs/<entry>/latest")),
    phase: Argument.Literals("phase", Run.PHASES).pipe(Argument.withDescription("The phase that completed")),
    result: optStr("result", "JSON to record with the checkpoint (returned to a resumed Run.phase)"),
    json
  },
  (o) =>
    Effect.gen(function* () {
      yield* existingDirectory("run-dir", o.dir)
      const run = yield* Run.open(o.dir)
      const text = Option.getOrUndefined(o.result)
      const result =
        text === undefined
          ? undefined
          : yield* Effect.try({
              try: () => JSON.parse(text) as unknown,
              catch: () => coreError("InvalidInput", `--result: not valid JSON (got ${preview(text)})`)
            })
      const c = yield* Run.markCompleted(run, o.phase, result)
      const s = yield* Run.status(run)
      yield* emit(
        { ok: true, checkpoint: c, next: s.next },
        o.json,
        () => `✓ ${o.phase} checkpointed; next: ${s.next ?? "none"}`
      )
    }).pipe(exitOnError(o.json))
).pipe(Command.withDescription("Mark a phase of a run as completed"))

/**
 * `24h run init|status|checkpoint` — run directories for agents.
 *
 * @example
 * ```ts
 * import { command } from "@24h/core/cli"
 * import { Command } from "effect/cli"
 *
 * const root = Command.make("24h").pipe(Command.withSubcommands([command]))
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("run").pipe(
  Command.withDescription("Create and inspect run directories (runs/<entry>/run-YYYY-MM-DD-NN) and their phases"),
  Command.withSubcommands([init, status, checkpoint])
)

// ── 24h check linearizability ────────────────────────────────────────────────────────────────────────────────────

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/

/** `30s`, `500ms`, `2m`, `1h` or a bare number of seconds, in milliseconds. */
const parseTimeout = (text: string): Effect.Effect<number, CliExit> => {
  const m = DURATION.exec(text.trim())
  if (m === null) {
    return Effect.fail(
      new CliExit({
        code: ExitCode.Usage,
        message: `--timeout: expected a duration like 30s, 500ms or 2m (got ${preview(text)})`
      })
    )
  }
  const n = Number(m[1])
  const unit = m[2] ?? "s"
  return Effect.succeed(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000))
}

const linearizability = Command.make(
  "linearizability",
  {
    files: Argument.String("file").pipe(
      Argument.atLeast(1),
      Argument.withDescription("History files: our JSON Lines, Jepsen log lines or EDN history lines")
    ),
    model: Flag.Literals("model", ["register", "kv"]).pipe(
      Flag.withDescription("register (read / write / cas, one partition per key) or kv (get / put / append by key)")
    ),
    format: Flag.optional(
      Flag.Literals("format", ["jsonl", "jepsen-log", "edn"]).pipe(
        Flag.withDescription("History format (default: from the file name and first line)")
      )
    ),
    timeout: Flag.optional(
      Flag.String("timeout").pipe(Flag.withDescription("Time budget per file (30s, 500ms, 2m); then `unknown`"))
    ),
    noPartition: Flag.Boolean("no-partition").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Check the whole history as one state (slower; for comparison)")
    ),
    json
  },
  (o) =>
    Effect.gen(function* () {
      const timeoutMs = Option.isSome(o.timeout) ? yield* parseTimeout(o.timeout.value) : undefined
      // The checker is loaded only when this command runs, so `24h --help` stays fast.
      const { History, Linearizability } = yield* Effect.promise(async () => ({
        History: await import("./History.ts"),
        Linearizability: await import("./Linearizability.ts")
      }))
      const options = {
        ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
        ...(o.noPartition ? { partition: false } : {})
      }
      const model = o.model === "register" ? "register" : o.noPartition ? "kv-unpartitioned" : "kv"
      const checkEvents = (events: ReadonlyArray<import("./History.ts").Event>) =>
        o.model === "register"
          ? Linearizability.check(Linearizability.register(), events, options)
          : o.noPartition
            ? Linearizability.check(Linearizability.kv({ partitioned: false }), events, options)
            : Linearizability.check(Linearizability.kv(), events, options)
      const opSummary = (op: import("./History.ts").Operation) => ({
        index: op.index,
        process: op.process,
        f: op.f,
        ...(op.key === undefined ? {} : { key: op.key }),
        value: op.value,
        status: op.status,
        result: op.result ?? null,
        call: op.call,
        return: Number.isFinite(op.return) ? op.return : null
      })
      const files = []
      for (const file of o.files) {
        const events = yield* History.readFile(file, Option.getOrUndefined(o.format))
        const result = yield* checkEvents(events)
        const ev = result.evidence
        files.push({
          file,
          verdict: result.verdict,
          operations: result.operations,
          partitions: result.partitions.map((p) => ({
            partition: p.partition,
            verdict: p.verdict,
            operations: p.operations,
            ms: Math.round(p.ms * 100) / 100,
            ...(p.longestPrefix === undefined ? {} : { longestPrefix: p.longestPrefix })
          })),
          evidence:
            ev === undefined
              ? null
              : {
                  partition: ev.partition,
                  message: ev.message,
                  blocked: ev.blocked === undefined ? null : opSummary(ev.blocked),
                  state: ev.stateText,
                  prefix: ev.prefix.map((op) => op.index),
                  prefixTail: ev.prefix.slice(-5).map(opSummary)
                },
          ms: Math.round(result.ms * 100) / 100
        })
      }
      const bad = files.filter((f) => f.verdict === "not-linearizable")
      const verdict =
        bad.length > 0 ? "not-linearizable" : files.some((f) => f.verdict === "unknown") ? "unknown" : "linearizable"
      yield* emit({ ok: bad.length === 0, model, verdict, files }, o.json, (d) =>
        d.files
          .map((f) =>
            f.verdict === "linearizable"
              ? `✓ ${f.file}: linearizable (${f.operations} operations, ${f.partitions.length} partition(s), ${f.ms} ms)`
              : f.verdict === "unknown"
                ? `? ${f.file}: unknown — the time budget ran out (${f.partitions.filter((p) => p.verdict === "unknown").length} partition(s) undecided)`
                : `✗ ${f.file}: not linearizable — ${f.evidence?.message ?? ""}`
          )
          .join("\n")
      )
      if (bad.length > 0) {
        return yield* Effect.fail(
          new CliExit({
            code: ExitCode.Failed,
            message: `${bad.length} of ${files.length} histories are not linearizable: ${bad.map((f) => f.file).join(", ")}`
          })
        )
      }
    }).pipe(exitOnError(o.json, { usage: ["Io"] }))
).pipe(
  Command.withDescription(
    "Check recorded histories for linearizability (Wing–Gong / Lowe search, per partition); exit 1 when one is not"
  )
)

/**
 * `24h check linearizability FILE… --model register|kv [--format jsonl|jepsen-log|edn] [--timeout 30s] [--json]` —
 * checks histories, prints one document with `{file, verdict, partitions, evidence, ms}` per file, exits 1 when any
 * history is not linearizable and 2 on bad input.
 *
 * @example
 * ```ts
 * import { checkCommand } from "@24h/core/cli"
 * import { Command } from "effect/cli"
 *
 * const root = Command.make("24h").pipe(Command.withSubcommands([checkCommand]))
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const checkCommand = Command.make("check").pipe(
  Command.withDescription("Check recorded results: linearizability of histories"),
  Command.withSubcommands([linearizability])
)
