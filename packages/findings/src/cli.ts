/**
 * `24h finding …` — the subcommands contributed by `@24h/findings`, a drop-in for the process's `add_finding.py`.
 *
 * ```
 * 24h finding add --type bug --entry-id X --agent Y --payload '{...}'|@file.json [--output DIR] [--force] [--lock-timeout MS] [--json]
 * 24h finding list [--type T] [--severity S] [--output DIR] [--json]
 * 24h finding show FND-007 [--output DIR] [--json]
 * 24h finding export --format json|md|sarif|junit [--out FILE] [--fail-on medium] [--output DIR] [--json]
 * 24h finding repair [--from-view] [--output DIR] [--lock-timeout MS] [--json]
 * ```
 *
 * `--output` is always the ledger directory; a file there is refused (`NotADirectory`, naming `--out` for exports).
 * Without `--output` the ledger is the repository root (the nearest directory above the working directory that holds
 * `.git`). Exit codes: 0 ok, 1 duplicate (nothing written), 2 bad input (nothing written; field-level messages; a
 * missing ledger directory; a view edited by hand), 3 runtime failure (a corrupt ledger, a lock held too long, I/O).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { type CliExit, emit, ensureDirectory, existingDirectory, exitOnError, json } from "@24h/core/cli"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FindingType, Severity } from "./Finding.ts"
import { type FindingsError, findingsError } from "./FindingsError.ts"
import { repositoryRoot } from "./internal/root.ts"
import { fromFindings as junitOf } from "./Junit.ts"
import * as Ledger from "./Ledger.ts"
import { toMarkdown } from "./Markdown.ts"
import { toSarif } from "./Sarif.ts"

const output = Flag.String("output").pipe(
  Flag.optional,
  Flag.withDescription("Ledger directory (a run directory); default: the repository root")
)

const HINT = "--output names the ledger directory; an export is written to a file with --out FILE"

/** The ledger directory of `--output`, which must exist (reading commands). */
const existingLedger = (o: Option.Option<string>) =>
  Option.isSome(o) ? existingDirectory("--output", o.value, HINT) : Effect.succeed(repositoryRoot())

/** The ledger directory of `--output`, created when missing (`add`). */
const ledgerToWrite = (o: Option.Option<string>) =>
  Option.isSome(o) ? ensureDirectory("--output", o.value, HINT) : Effect.succeed(repositoryRoot())

const lockTimeout = Flag.Int("lock-timeout").pipe(
  Flag.optional,
  Flag.withDescription("How long to wait for the ledger lock, in ms (default $H24_LOCK_TIMEOUT_MS, else 30000)")
)

const lockOptions = (o: Option.Option<number>): { timeoutMs?: number } =>
  Option.isSome(o) ? { timeoutMs: o.value } : {}

/** Maps a failure to a CliExit with the exit code every command uses; with `--json` prints `{ ok: false, error }`. */
const handle =
  (asJson: boolean) =>
  <A, R>(
    self: Effect.Effect<
      A,
      FindingsError | { readonly _tag: string; readonly reason: string; readonly message: string },
      R
    >
  ): Effect.Effect<A, CliExit, R> =>
    self.pipe(
      Effect.mapError((e) =>
        "issues" in e && e.issues !== undefined && e.issues.length > 0
          ? Object.assign(Object.create(null) as object, {
              _tag: e._tag,
              reason: e.reason,
              message: `invalid finding:\n${e.issues.map((i) => `  ${i.field}: ${i.message}`).join("\n")}`,
              issues: e.issues,
              ...("module" in e && e.module !== undefined ? { module: e.module } : {}),
              ...("field" in e && e.field !== undefined ? { field: e.field } : {}),
              ...("value" in e && e.value !== undefined ? { value: e.value } : {})
            })
          : e
      ),
      exitOnError(asJson)
    )

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

const withLedger = <A>(
  dir: string,
  f: (l: Ledger.Service) => Effect.Effect<A, FindingsError>,
  timeout: Option.Option<number> = Option.none()
) => Effect.flatMap(Ledger.makeFile({ dir, ...lockOptions(timeout) }), f)

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
    lockTimeout,
    json
  },
  (f) =>
    Effect.gen(function* () {
      const payload = yield* readPayload(f.payload)
      const dir = yield* ledgerToWrite(f.output)
      const finding = yield* withLedger(
        dir,
        (l) => l.add({ type: f.type, entryId: f.entryId, agent: f.agent, payload, force: f.force }),
        f.lockTimeout
      )
      yield* emit(
        { ok: true, id: finding.id, ledger: path.join(dir, "findings.json"), finding },
        f.json,
        (v) => `${v.id} filed in ${v.ledger}`
      )
    }).pipe(handle(f.json))
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
      Effect.flatMap((filter) =>
        Effect.flatMap(existingLedger(f.output), (dir) => withLedger(dir, (l) => l.list(filter)))
      ),
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
    Effect.flatMap(existingLedger(f.output), (dir) => withLedger(dir, (l) => l.get(f.id))).pipe(
      Effect.flatMap((finding) => emit({ ok: true, finding }, f.json, (v) => toMarkdown([v.finding], v.finding.id))),
      handle(f.json)
    )
).pipe(Command.withDescription("Show one finding"))

const FORMATS = ["json", "md", "sarif", "junit"] as const

const exportCommand = Command.make(
  "export",
  {
    format: Flag.Literals("format", FORMATS).pipe(
      Flag.withDefault("json"),
      Flag.withDescription("json, md, sarif or junit")
    ),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("File to write (default: stdout)")),
    failOn: Flag.String("fail-on").pipe(
      Flag.withDefault("medium"),
      Flag.withDescription("junit: the least severe severity that fails")
    ),
    output,
    json
  },
  (f) =>
    Effect.gen(function* () {
      const failOn = Severity.safeParse(f.failOn)
      if (!failOn.success)
        return yield* findingsError(
          "InvalidPayload",
          `--fail-on: must be one of ${Severity.options.join(", ")} (got ${JSON.stringify(f.failOn)})`
        )
      const dir = yield* existingLedger(f.output)
      const out = Option.getOrUndefined(f.out)
      if (out !== undefined) yield* checkOutFile(out)
      const findings = yield* withLedger(dir, (l) => l.list())
      const root = repositoryRoot(dir)
      const document =
        f.format === "sarif"
          ? toSarif(findings, {
              ledgerPath: path.relative(root, path.join(dir, "findings.json")).split(path.sep).join("/")
            })
          : f.format === "json"
            ? findings
            : undefined
      const text =
        f.format === "md"
          ? toMarkdown(findings)
          : f.format === "junit"
            ? junitOf(findings, { failOn: failOn.data }).xml
            : `${JSON.stringify(document, null, 2)}\n`
      if (out === undefined) {
        if (f.json)
          return yield* emit(
            {
              ok: true,
              format: f.format,
              count: findings.length,
              ...(document === undefined ? { content: text } : { document })
            },
            true
          )
        return yield* Effect.sync(() => process.stdout.write(text))
      }
      yield* Effect.try({
        try: () => writeFileAtomic(out, text),
        catch: (e) => findingsError("Io", `--out: cannot write ${path.resolve(out)}: ${(e as Error).message}`)
      })
      yield* emit(
        { ok: true, format: f.format, count: findings.length, file: path.resolve(out) },
        f.json,
        (v) => `wrote ${v.count} findings as ${v.format} to ${v.file}`
      )
    }).pipe(handle(f.json))
).pipe(Command.withDescription("Export the ledger as JSON, Markdown, SARIF 2.1.0 or JUnit XML"))

/** `--out` must name a file in an existing directory. */
const checkOutFile = (out: string) =>
  Effect.suspend(() => {
    const abs = path.resolve(out)
    const parent = path.dirname(abs)
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory())
      return Effect.fail(findingsError("InvalidPayload", `--out: ${abs} is a directory; --out names the file to write`))
    if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory())
      return Effect.fail(
        findingsError("NotFound", `--out: no such directory ${parent} to write ${path.basename(abs)} in`)
      )
    return Effect.void
  })

/** Writes a whole file or nothing: a temporary file next to it, then a rename. */
const writeFileAtomic = (file: string, text: string): void => {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, text)
    fs.renameSync(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
}

const repairCommand = Command.make(
  "repair",
  {
    fromView: Flag.Boolean("from-view").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Take a hand-edited findings.json in as the truth (the journal is backed up first)")
    ),
    output,
    lockTimeout,
    json
  },
  (f) =>
    Effect.flatMap(existingLedger(f.output), (dir) =>
      Ledger.repair(dir, { ...lockOptions(f.lockTimeout), fromView: f.fromView })
    ).pipe(
      Effect.flatMap((report) =>
        emit({ ok: true, ...report }, f.json, (r) =>
          [
            `kept ${r.kept} findings from ${r.source} in ${r.journal}`,
            ...r.rejected.map((x) => `  line ${x.line}: ${x.reason} (moved to findings.rejected.ndjson)`),
            r.backups.length === 0 ? "nothing replaced, no backup needed" : `backups: ${r.backups.join(", ")}`,
            r.rebuilt.length === 0 ? "views already consistent" : `rebuilt: ${r.rebuilt.join(", ")}`
          ].join("\n")
        )
      ),
      handle(f.json)
    )
).pipe(
  Command.withDescription(
    "Check and repair a ledger: bad lines are set aside with their line number, backups are kept; --from-view takes a hand edit in"
  )
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
