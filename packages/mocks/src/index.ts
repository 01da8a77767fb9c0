/**
 * `@24h/mocks`: seeded datasets in four tiers and simulated upstream services with failure switches and
 * client-resilience verdicts.
 *
 * @since 0.1.0
 */
export * as Adversarial from "./Adversarial.ts"
export * as Dataset from "./Dataset.ts"
export * as FailureSwitch from "./FailureSwitch.ts"
export * as HttpLoad from "./HttpLoad.ts"
export * as HttpMock from "./HttpMock.ts"
export { MocksError, type MocksErrorReason } from "./MocksError.ts"
export * as Packs from "./Packs.ts"
export * as SchemaDrift from "./SchemaDrift.ts"
export * as Verdict from "./Verdict.ts"
