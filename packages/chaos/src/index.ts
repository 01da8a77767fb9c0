/**
 * `@24h/chaos`: faults for reliability tests — a TCP fault proxy with every Toxiproxy toxic (plus `slow_open`,
 * `limit_time`, shared bandwidth and `packet_loss`), seeded decisions, a server that speaks Toxiproxy's management
 * API, an HTTP fault proxy in front of real upstreams (`HttpFaultProxy`) and process faults on the system under test
 * (`Sut`).
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
