/**
 * `24h finding …` — the subcommands contributed by `@24h/findings`, a drop-in for the process's `add_finding.py`.
 *
 * ```
 * 24h finding add --type bug --entry-id X --agent Y --payload '{...}'|@file.json [--output DIR] [--force] [--json]
 * 24h finding list [--type T] [--severity S] [--output DIR] [--json]
 * 24h finding show FND-007 [--output DIR] [--json]
 * 24h finding export --format json|md|sarif|junit [--out FILE] [--fail-on medium] [--output DIR]
 * 24h finding repair [--output DIR] [--json]
 * ```
 *
 * Without `--output` the ledger is the repository root (the nearest directory above the working directory that holds
 * `.git`). Exit codes: 0 ok, 1 duplicate (nothing written), 2 bad input (nothing written; field-level messages),
 * 3 runtime failure (a corrupt ledger, a lock held too long, I/O).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { CliExit, ExitCode, emit, json } from "@24h/core/cli"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FindingType, Severity } from "./Finding.ts"
import { type FindingsError, findingsError } from "./FindingsError.ts"
import { repositoryRoot } from "./internal/root.ts"
import { toJunit } from "./Junit.ts"
import * as Ledger from "./Ledger.ts"
import { toMarkdown } from "./Markdown.ts"
import { toSarif } from "./Sarif.ts"

const output = Flag.String("output").pipe(
  Flag.optional,
  Flag.withDescription("Ledger directory (a run directory); default: the repository root")
)

const dirOf = (o: Option.Option<string>): string => (Option.isSome(o) ? path.resolve(o.value) : repositoryRoot())

const codeOf = (e: FindingsError): number => {
  switch (e.reason) {
    case "InvalidPayload":
    case "NotFound":
      return ExitCode.Usage
    case "Duplicate":
      return ExitCode.Failed
    default:
      return ExitCode.Runtime
  }
}

/** Maps a FindingsError to a CliExit; with `--json` prints `{ ok: false, error }` (with issues / duplicateOf). */
const handle =
  (asJson: boolean) =>
  <A, R>(self: Effect.Effect<A, FindingsError, R>): Effect.Effect<A, CliExit, R> =>
    Effect.catch(self, (e) => {
      const error = {
        tag: e._tag,
        reason: e.reason,
        message: e.message,
        ...(e.issues === undefined ? {} : { issues: e.issues }),
        ...(e.duplicateOf === undefined ? {} : { duplicateOf: e.duplicateOf }),
        ...(e.file === undefined ? {} : { file: e.file }),
        ...(e.line === undefined ? {} : { line: e.line })
      }
      const human =
        e.issues !== undefined && e.issues.length > 0
          ? `invalid finding:\n${e.issues.map((i) => `  ${i.field}: ${i.message}`).join("\n")}`
          : e.message
      return Effect.andThen(
        asJson ? Console.log(JSON.stringify({ ok: false, error })) : Effect.void,
        Effect.fail(new CliExit({ code: codeOf(e), message: human, details: error }))
      )
    })

/** `--payload '{...}'` as given, or `--payload @file.json` read from the file. */
const readPayload = (text: string): Effect.Effect<string, FindingsError> =>
  text.startsWith("@")
    ? Effect.try({
        try: () => fs.readFileSync(text.slice(1), "utf8"),
        catch: (e) =>
          findingsError("InvalidPayload", `(payload): cannot read ${text.slice(1)} (${(e as Error).message})`, {
            issues: [{ field: "(payload)", message: `cannot read ${text.slice(1)} (${(e as Error).message})` }]
          })
      })
    : Effect.succeed(text)

const withLedger = <A>(dir: string, f: (l: Ledger.Service) => Effect.Effect<A, FindingsError>) =>
  Effect.flatMap(Ledger.makeFile({ dir }), f)

const addCommand = Command.make(
  "add",
  {
    type: Flag.String("type").pipe(Flag.withDescription(`Finding type: ${FindingType.options.join(", ")}`)),
    entryId: Flag.String("entry-id").pipe(Flag.withDescription("The entry (scenario) this finding belongs to")),
    agent: Flag.String("agent").pipe(Flag.withDescription("Who files it (model or person)")),
    payload: Flag.String("payload").pipe(
      Flag.withDescription(
        "The finding as JSON (title, severity, description, component, …), or @file to read it from a file"
      )
    ),
    output,
    force: Flag.Boolean("force").pipe(
      Flag.withDefault(false),
      Flag.withDescription("File it even if it duplicates an earlier finding")
    ),
    json
  },
  (f) => {
    const dir = dirOf(f.output)
    return readPayload(f.payload).pipe(
      Effect.flatMap((payload) =>
        withLedger(dir, (l) => l.add({ type: f.type, entryId: f.entryId, agent: f.agent, payload, force: f.force }))
      ),
      Effect.flatMap((finding) =>
        emit(
          { ok: true, id: finding.id, ledger: path.join(dir, "findings.json"), finding },
          f.json,
          (v) => `${v.id} filed in ${v.ledger}`
        )
      ),
      handle(f.json)
    )
  }
).pipe(Command.withDescription("File a finding (the drop-in for add_finding.py)"))

const parseFilter = (
  type: Option.Option<string>,
  severity: Option.Option<string>
): Effect.Effect<Ledger.Filter, FindingsError> => {
  const t = Option.isSome(type) ? FindingType.safeParse(type.value) : undefined
  const s = Option.isSome(severity) ? Severity.safeParse(severity.value) : undefined
  if (t !== undefined && !t.success)
    return Effect.fail(
      findingsError(
        "InvalidPayload",
        `--type: must be one of ${FindingType.options.join(", ")} (got ${JSON.stringify(Option.getOrUndefined(type))})`
      )
    )
  if (s !== undefined && !s.success)
    return Effect.fail(
      findingsError(
        "InvalidPayload",
        `--severity: must be one of ${Severity.options.join(", ")} (got ${JSON.stringify(Option.getOrUndefined(severity))})`
      )
    )
  return Effect.succeed({ ...(t?.success ? { type: t.data } : {}), ...(s?.success ? { severity: s.data } : {}) })
}

const listCommand = Command.make(
  "list",
  {
    type: Flag.String("type").pipe(Flag.optional, Flag.withDescription("Only this type")),
    severity: Flag.String("severity").pipe(Flag.optional, Flag.withDescription("Only this severity")),
    output,
    json
  },
  (f) =>
    parseFilter(f.type, f.severity).pipe(
      Effect.flatMap((filter) => withLedger(dirOf(f.output), (l) => l.list(filter))),
      Effect.flatMap((findings) =>
        emit({ ok: true, count: findings.length, findings }, f.json, (v) =>
          v.findings.length === 0
            ? "no findings"
            : v.findings
                .map((x) => `${x.id}  ${x.severity.padEnd(8)} ${x.type.padEnd(15)} ${x.component}: ${x.title}`)
                .join("\n")
        )
      ),
      handle(f.json)
    )
).pipe(Command.withDescription("List findings"))

const showCommand = Command.make(
  "show",
  { id: Argument.String("id").pipe(Argument.withDescription("FND-007, fnd-7 or 7")), output, json },
  (f) =>
    withLedger(dirOf(f.output), (l) => l.get(f.id)).pipe(
      Effect.flatMap((finding) => emit({ ok: true, finding }, f.json, (v) => toMarkdown([v.finding], v.finding.id))),
      handle(f.json)
    )
).pipe(Command.withDescription("Show one finding"))

const exportCommand = Command.make(
  "export",
  {
    format: Flag.String("format").pipe(Flag.withDefault("json"), Flag.withDescription("json, md, sarif or junit")),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("File to write (default: stdout)")),
    failOn: Flag.String("fail-on").pipe(
      Flag.withDefault("medium"),
      Flag.withDescription("junit: the least severe severity that fails")
    ),
    output
  },
  (f) =>
    Effect.gen(function* () {
      const dir = dirOf(f.output)
      const failOn = Severity.safeParse(f.failOn)
      if (!failOn.success)
        return yield* findingsError(
          "InvalidPayload",
          `--fail-on: must be one of ${Severity.options.join(", ")} (got ${JSON.stringify(f.failOn)})`
        )
      if (!["json", "md", "sarif", "junit"].includes(f.format)) {
        return yield* findingsError(
          "InvalidPayload",
          `--format: must be json, md, sarif or junit (got ${JSON.stringify(f.format)})`
        )
      }
      const findings = yield* withLedger(dir, (l) => l.list())
      const root = repositoryRoot(dir)
      const text =
        f.format === "md"
          ? toMarkdown(findings)
          : f.format === "junit"
            ? toJunit(findings, { failOn: failOn.data })
            : f.format === "sarif"
              ? `${JSON.stringify(toSarif(findings, { ledgerPath: path.relative(root, path.join(dir, "findings.json")).split(path.sep).join("/") }), null, 2)}\n`
              : `${JSON.stringify(findings, null, 2)}\n`
      if (Option.isNone(f.out)) return yield* Effect.sync(() => process.stdout.write(text))
      const file = f.out.value
      yield* Effect.try({
        try: () => fs.writeFileSync(file, text),
        catch: (e) => findingsError("Io", `cannot write ${file}: ${(e as Error).message}`)
      })
      yield* Console.error(`wrote ${findings.length} findings as ${f.format} to ${file}`)
    }).pipe(handle(false))
).pipe(Command.withDescription("Export the ledger as JSON, Markdown, SARIF 2.1.0 or JUnit XML"))

const repairCommand = Command.make("repair", { output, json }, (f) =>
  Ledger.repair(dirOf(f.output)).pipe(
    Effect.flatMap((report) =>
      emit({ ok: true, ...report }, f.json, (r) =>
        [
          `kept ${r.kept} findings in ${r.journal}`,
          ...r.rejected.map((x) => `  line ${x.line}: ${x.reason} (moved to findings.rejected.ndjson)`),
          r.backup === undefined ? "journal unchanged" : `backup: ${r.backup}`,
          r.rebuilt.length === 0 ? "views already consistent" : `rebuilt: ${r.rebuilt.join(", ")}`
        ].join("\n")
      )
    ),
    handle(f.json)
  )
).pipe(
  Command.withDescription("Check and repair a ledger: bad lines are set aside with their line number, a backup is kept")
)

/**
 * The `finding` command group: `add`, `list`, `show`, `export` and `repair`.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { command } from "@24h/findings/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([command]))
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("finding").pipe(
  Command.withDescription("The findings ledger: add, list, show, export (json, md, sarif, junit) and repair"),
  Command.withSubcommands([addCommand, listCommand, showCommand, exportCommand, repairCommand])
)
