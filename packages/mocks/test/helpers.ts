import { Effect } from "effect"
import { Agent, request } from "undici"
import { HttpMock } from "../src/index.ts"

/** Runs `f` with a mock that lives for the duration of the call (its scope closes after). */
export const withMock = <A>(options: HttpMock.Options, f: (mock: HttpMock.HttpMock) => Promise<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(HttpMock.make(options), (mock) => Effect.promise(() => f(mock)))))

export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly text: string
}

/** One request with a real undici client; resolves with the status and body, rejects on a transport error. */
export const call = async (
  dispatcher: Agent,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; headersTimeout?: number } = {}
): Promise<Reply> => {
  const r = await request(url, {
    dispatcher,
    method: (init.method ?? "GET") as "GET",
    ...(init.body === undefined ? {} : { body: init.body }),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.headersTimeout === undefined ? {} : { headersTimeout: init.headersTimeout })
  })
  const text = await r.body.text()
  return { status: r.statusCode, headers: r.headers, text }
}

/** The outcome of a request as a short string: the status, or the error code. */
export const outcome = (dispatcher: Agent, url: string, init?: Parameters<typeof call>[2]): Promise<string> =>
  call(dispatcher, url, init).then(
    (r) => String(r.status),
    (e: { code?: string; name?: string }) => e.code ?? e.name ?? "error"
  )

export const newAgent = () => new Agent({ connections: 16, keepAliveTimeout: 1000 })
