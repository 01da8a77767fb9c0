import { join } from "node:path"
import { Pipeline } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Junit } from "../src/index.ts"
import { fixtureRun, read } from "./helpers.ts"

describe("Junit", () => {
  it("writes pipeline, threshold and invariant verdicts, with failure and error kept apart", async () => {
    const run = fixtureRun()
    const { path, totals } = await Effect.runPromise(Junit.write(run))
    expect(path).toBe(join(run, "results", "junit.xml"))
    expect(totals).toEqual({ suites: 5, tests: 21, failures: 4, errors: 1 })
    expect(read(path)).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="payments-01/run-2026-11-24-01" tests="21" failures="4" errors="1" time="13.000">
        <testsuite name="baseline/happy-path" tests="5" failures="0" errors="0" skipped="0" time="3.000" timestamp="2026-11-24T10:00:00.000">
          <properties>
            <property name="verdict" value="pass"/>
            <property name="requests" value="60"/>
            <property name="errors" value="0"/>
          </properties>
          <testcase name="pipeline" classname="baseline.happy-path" time="3.000"/>
          <testcase name="threshold: p95 &lt; 200ms" classname="baseline.happy-path.thresholds" time="0.000"/>
          <testcase name="threshold: errorRate &lt; 1%" classname="baseline.happy-path.thresholds" time="0.000"/>
          <testcase name="invariant: always — balance never negative" classname="baseline.happy-path.invariants" time="0.000"/>
          <testcase name="invariant: sometimes — cache hit" classname="baseline.happy-path.invariants" time="0.000"/>
        </testsuite>
        <testsuite name="stress/ramp" tests="4" failures="1" errors="0" skipped="0" time="3.200" timestamp="2026-11-24T10:00:10.000">
          <properties>
            <property name="verdict" value="fail"/>
            <property name="requests" value="80"/>
            <property name="errors" value="2"/>
          </properties>
          <testcase name="pipeline" classname="stress.ramp" time="3.200"/>
          <testcase name="threshold: p99 &lt; 250ms" classname="stress.ramp.thresholds" time="0.000">
            <failure message="p99 &lt; 250ms: p99 was 311.039ms (fail)" type="ThresholdFailed">p99 &lt; 250ms: p99 was 311.039ms (fail)</failure>
          </testcase>
          <testcase name="threshold: throughput &gt; 10/s" classname="stress.ramp.thresholds" time="0.000"/>
          <testcase name="invariant: reached — backpressure engaged" classname="stress.ramp.invariants" time="0.000"/>
        </testsuite>
        <testsuite name="chaos/db-flap" tests="4" failures="2" errors="0" skipped="0" time="3.000" timestamp="2026-11-24T10:00:20.000">
          <properties>
            <property name="verdict" value="fail"/>
            <property name="requests" value="60"/>
            <property name="errors" value="7"/>
          </properties>
          <testcase name="pipeline" classname="chaos.db-flap" time="3.000"/>
          <testcase name="threshold: errorRate &lt; 5%" classname="chaos.db-flap.thresholds" time="0.000">
            <failure message="errorRate &lt; 5%: errorRate was 11.667% (fail)" type="ThresholdFailed">errorRate &lt; 5%: errorRate was 11.667% (fail)</failure>
          </testcase>
          <testcase name="threshold: p95 &lt; 400ms" classname="chaos.db-flap.thresholds" time="0.000"/>
          <testcase name="invariant: always — no double debit" classname="chaos.db-flap.invariants" time="0.000">
            <failure message="[always] no double debit: false 1 of 60 times" type="InvariantViolated">[always] no double debit: false 1 of 60 times (hits 60, true 59, false 1)
      at 2026-11-24T10:00:21.550Z: {&quot;account&quot;:&quot;acct-7&quot;,&quot;debits&quot;:2}</failure>
          </testcase>
        </testsuite>
        <testsuite name="adversarial/prompt-injection" tests="4" failures="1" errors="0" skipped="0" time="2.000" timestamp="2026-11-24T10:00:30.000">
          <properties>
            <property name="verdict" value="fail"/>
            <property name="requests" value="20"/>
            <property name="errors" value="0"/>
          </properties>
          <testcase name="pipeline" classname="adversarial.prompt-injection" time="2.000"/>
          <testcase name="threshold: blocked &gt;= 10" classname="adversarial.prompt-injection.thresholds" time="0.000"/>
          <testcase name="invariant: never — secret leaked &lt;in response&gt;" classname="adversarial.prompt-injection.invariants" time="0.000"/>
          <testcase name="invariant: reached — rate limiter tripped" classname="adversarial.prompt-injection.invariants" time="0.000">
            <failure message="[reachable] rate limiter tripped: never reached" type="InvariantNeverHit">[reachable] rate limiter tripped: never reached (hits 0, true 0, false 0)</failure>
          </testcase>
        </testsuite>
        <testsuite name="recovery/failover" tests="4" failures="0" errors="1" skipped="0" time="1.800" timestamp="2026-11-24T10:00:40.000">
          <properties>
            <property name="verdict" value="error"/>
            <property name="requests" value="30"/>
            <property name="errors" value="3"/>
          </properties>
          <testcase name="pipeline" classname="recovery.failover" time="1.800"/>
          <testcase name="threshold: p95 &lt; 500ms" classname="recovery.failover.thresholds" time="0.000"/>
          <testcase name="threshold: resumed &gt;= 1" classname="recovery.failover.thresholds" time="0.000">
            <error message="resumed &gt;= 1: no data for metric &quot;resumed&quot;" type="ThresholdNoData">resumed &gt;= 1: no data for metric &quot;resumed&quot;</error>
          </testcase>
          <testcase name="invariant: sometimes — circuit half-open" classname="recovery.failover.invariants" time="0.000"/>
        </testsuite>
      </testsuites>
      "
    `)
  })

  it("escapes markup and shows characters XML cannot carry as U+FFFD (the one XML escaper)", async () => {
    const [r] = await Effect.runPromise(Pipeline.readAll(fixtureRun()))
    const evil = { ...r!, name: `a<b>&"c"\u0001\uD800`, error: "boom </failure><x>\u0000" }
    const { xml, totals } = Junit.fromPipelines([evil])
    expect(xml).toContain('name="baseline/a&lt;b&gt;&amp;&quot;c&quot;\ufffd\ufffd"')
    expect(xml).toContain("boom &lt;/failure&gt;&lt;x&gt;\ufffd</error>")
    expect(xml.includes("\u0000") || xml.includes("\u0001") || xml.includes("\uD800")).toBe(false)
    expect(totals.errors).toBe(1)
  })
})
