/**
 * `@24h/chaos`: faults for reliability tests — a TCP fault proxy with every Toxiproxy toxic (plus `slow_open`,
 * `limit_time` and shared bandwidth), seeded decisions, and a server that speaks Toxiproxy's management API.
 *
 * @since 0.1.0
 */
export * as ChaosError from "./ChaosError.ts"
export * as FaultSchedule from "./FaultSchedule.ts"
export * as HttpFaultProxy from "./HttpFaultProxy.ts"
export * as Sut from "./Sut.ts"
export * as TcpProxy from "./TcpProxy.ts"
export * as Toxic from "./Toxic.ts"
export * as ToxiproxyApi from "./ToxiproxyApi.ts"
