import DeadboltCore
import Foundation
import XCTest

/// Transcripts of the timer wheel: a manual clock, timers in, payloads out.
/// Ticks are 1 ms unless a test says otherwise; `ms(12, 500_000)` is 12.5 ms.
final class TimerWheelTests: XCTestCase {
    private let tick: UInt64 = 1_000_000

    private func ms(_ milliseconds: UInt64, _ nanoseconds: UInt64 = 0) -> Instant {
        Instant(nanoseconds: milliseconds * 1_000_000 + nanoseconds)
    }

    /// Calls `advance` until it reports done, and returns everything fired.
    private func advance(_ wheel: inout TimerWheel, to now: Instant, workBudget: Int = .max) -> [UInt64] {
        var fired: [UInt64] = []
        var calls = 0
        while !wheel.advance(to: now, workBudget: workBudget, fired: &fired) {
            calls += 1
            precondition(calls < 100_000_000, "advance never finishes")
        }
        return fired
    }

    // MARK: - Never early

    func testATimerInTheStartingTickFiresWhenThatTickEnds() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10, 200_000))
        _ = wheel.schedule(deadline: ms(10, 700_000), payload: 1)
        XCTAssertEqual(advance(&wheel, to: ms(10, 999_999)), [])
        XCTAssertEqual(advance(&wheel, to: ms(11)), [1], "one tick late at most, not two")
    }

    func testTimerFiresOnlyOnceItsWholeTickHasPassed() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10))
        _ = wheel.schedule(deadline: ms(12, 500_000), payload: 1)
        XCTAssertEqual(advance(&wheel, to: ms(12, 500_000)), [], "the deadline itself is not the end of its tick")
        XCTAssertEqual(advance(&wheel, to: ms(12, 999_999)), [], "1 ns before tick 12 ends")
        XCTAssertEqual(advance(&wheel, to: ms(13)), [1], "tick 12 has fully passed")
        XCTAssertEqual(advance(&wheel, to: ms(20)), [], "a timer fires once")
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.nextAdvance())
    }

    func testDeadlineOnATickBoundaryWaitsForThatWholeTick() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10))
        _ = wheel.schedule(deadline: ms(12), payload: 7)
        XCTAssertEqual(advance(&wheel, to: ms(12)), [])
        XCTAssertEqual(advance(&wheel, to: ms(12, 999_999)), [])
        XCTAssertEqual(wheel.nextAdvance(), ms(13))
        XCTAssertEqual(advance(&wheel, to: ms(13)), [7])
    }

    func testAdvancesThatDoNotCrossATickFireNothing() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10))
        _ = wheel.schedule(deadline: ms(11, 1), payload: 1)
        for step in stride(from: UInt64(0), through: 999_999, by: 111_111) {
            XCTAssertEqual(advance(&wheel, to: ms(11, step)), [], "still inside tick 11 at +\(step) ns")
        }
        XCTAssertEqual(advance(&wheel, to: ms(12)), [1])
    }

    /// The wheel counts the tick holding its start instant as processed, so a
    /// deadline inside that tick fires at the end of the next one: never
    /// early, and still within "at most one tick late" at ``TimerWheel/nextAdvance()``.
    func testDeadlineInTheStartTickIsNeverEarlyAndAtMostOneTickLate() throws {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10, 500_000))
        _ = wheel.schedule(deadline: ms(10, 700_000), payload: 1)
        XCTAssertEqual(advance(&wheel, to: ms(10, 999_999)), [])
        let next = try XCTUnwrap(wheel.nextAdvance())
        XCTAssertLessThanOrEqual(next, ms(12), "no later than one tick after tick 10 ended")
        XCTAssertGreaterThanOrEqual(next, ms(11), "never before tick 10 ended")
        XCTAssertEqual(advance(&wheel, to: next), [1])
    }

    /// Random timers, the clock driven only by `nextAdvance()`: each timer
    /// fires after its whole tick has passed and at most one tick later.
    func testDrivenByNextAdvanceEveryTimerIsNeverEarlyAndAtMostOneTickLate() throws {
        let seed = randomizedTestSeed()
        var random = SplitMix64(seed: seed)
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(1000))
        var deadlines: [UInt64: UInt64] = [:]
        for payload in UInt64(0)..<5_000 {
            // Mostly near, some a level or two up, a few ~20 minutes away.
            let distance: UInt64
            switch random.below(10) {
            case 0..<6: distance = UInt64(random.below(300_000_000))
            case 6..<9: distance = UInt64(random.below(70_000)) * tick + UInt64(random.below(1_000_000))
            default: distance = UInt64(random.below(1_200_000)) * tick
            }
            let deadline = ms(1001).nanoseconds + distance
            deadlines[payload] = deadline
            _ = wheel.schedule(deadline: Instant(nanoseconds: deadline), payload: payload)
        }
        var fired = Set<UInt64>()
        while let next = wheel.nextAdvance() {
            for payload in advance(&wheel, to: next) {
                let deadlineTick = deadlines[payload]! / tick
                XCTAssertGreaterThanOrEqual(next.nanoseconds, (deadlineTick + 1) * tick, "seed \(seed): timer \(payload) fired early")
                XCTAssertLessThanOrEqual(next.nanoseconds, (deadlineTick + 2) * tick, "seed \(seed): timer \(payload) fired more than a tick late")
                XCTAssertTrue(fired.insert(payload).inserted, "seed \(seed): timer \(payload) fired twice")
            }
        }
        XCTAssertEqual(fired.count, deadlines.count, "seed \(seed): every timer fires")
        XCTAssertEqual(wheel.count, 0)
    }

    // MARK: - Cancel

    func testCancelledTimerNeverFires() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(10))
        let first = wheel.schedule(deadline: ms(15), payload: 1)
        _ = wheel.schedule(deadline: ms(15), payload: 2)
        let third = wheel.schedule(deadline: ms(15), payload: 3)
        XCTAssertEqual(wheel.count, 3)
        wheel.cancel(first)
        wheel.cancel(third)
        XCTAssertEqual(wheel.count, 1)
        XCTAssertEqual(advance(&wheel, to: ms(100)), [2])
        XCTAssertEqual(wheel.count, 0)
        // Cancelled nodes are reused by later timers, which behave normally.
        let reused = wheel.schedule(deadline: ms(120), payload: 4)
        _ = wheel.schedule(deadline: ms(120), payload: 5)
        wheel.cancel(reused)
        XCTAssertEqual(advance(&wheel, to: ms(121)), [5])
    }

    func testCancelOfTimersThatCascadedDownALevel() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        // 300 ticks away: level 1, brought down to level 0 at tick 256.
        let a = wheel.schedule(deadline: ms(300), payload: 1)
        _ = wheel.schedule(deadline: ms(300), payload: 2)
        // 70 000 ticks away: level 2, down to level 1 at tick 65 536, to level 0 at 69 888.
        let c = wheel.schedule(deadline: ms(70_000), payload: 3)
        _ = wheel.schedule(deadline: ms(70_000), payload: 4)
        XCTAssertEqual(wheel.deadlineTick(of: c), 70_000)

        XCTAssertEqual(advance(&wheel, to: ms(260)), [], "cascaded, not fired")
        wheel.cancel(a)
        XCTAssertEqual(advance(&wheel, to: ms(301)), [2])

        XCTAssertEqual(advance(&wheel, to: ms(65_600)), [], "level 2 came down to level 1")
        wheel.cancel(c)
        XCTAssertEqual(advance(&wheel, to: ms(69_900)), [], "level 1 came down to level 0")
        XCTAssertEqual(advance(&wheel, to: ms(70_001)), [4])
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.nextAdvance())
    }

    /// A slot brought down is worked through in budgeted steps; a timer
    /// cancelled while it waits on the pending list never fires.
    func testCancelWhileWaitingToBeMovedDownByABudgetedAdvance() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        var handles: [TimerHandle] = []
        for payload in UInt64(1)...10 {
            handles.append(wheel.schedule(deadline: ms(300), payload: payload))
        }
        var fired: [UInt64] = []
        // 256 ticks stepped, then 3 of the 10 timers moved down: the budget is spent.
        XCTAssertFalse(wheel.advance(to: ms(300), workBudget: 259, fired: &fired))
        XCTAssertEqual(fired, [])
        XCTAssertEqual(wheel.currentTick, 256)
        wheel.cancel(handles[0]) // already moved down to level 0
        wheel.cancel(handles[9]) // still waiting to be moved
        XCTAssertEqual(wheel.count, 8)
        XCTAssertEqual(advance(&wheel, to: ms(300, 999_999)), [])
        XCTAssertEqual(advance(&wheel, to: ms(301)).sorted(), Array(2...9))
    }

    /// Cancel unlinks its node at once, whatever the length of its slot's
    /// list: 200 000 cancels in one slot take moments. Were cancel a scan of
    /// the slot, they would take some 10^10 steps.
    func testCancelIsConstantTimeInALongSlot() {
        let seed = randomizedTestSeed()
        var random = SplitMix64(seed: seed)
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        let count = 200_000
        var timers: [(handle: TimerHandle, payload: UInt64)] = []
        timers.reserveCapacity(count)
        for payload in UInt64(0)..<UInt64(count) {
            timers.append((wheel.schedule(deadline: ms(5), payload: payload), payload))
        }
        // Shuffle, then cancel the first half in that order.
        for index in stride(from: count - 1, to: 0, by: -1) {
            timers.swapAt(index, random.below(index + 1))
        }
        let clock = ContinuousClock()
        let started = clock.now
        for timer in timers[..<(count / 2)] { wheel.cancel(timer.handle) }
        let elapsed = clock.now - started
        XCTAssertLessThan(elapsed, .seconds(20), "seed \(seed): \(count / 2) cancels took \(elapsed)")
        XCTAssertEqual(wheel.count, count / 2)
        let fired = advance(&wheel, to: ms(6))
        XCTAssertEqual(fired.count, count / 2, "seed \(seed)")
        XCTAssertEqual(Set(fired), Set(timers[(count / 2)...].map(\.payload)), "seed \(seed): exactly the survivors fire")
    }

    // MARK: - Far deadlines

    /// An hour away with 1 ms ticks: the timer climbs down from level 2.
    func testDeadlineAnHourAway() throws {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        let hour: UInt64 = 3_600_000
        _ = wheel.schedule(deadline: ms(hour, 250_000), payload: 1)
        _ = wheel.schedule(deadline: ms(hour + 1), payload: 2)
        var driven = 0
        var now = Instant.zero
        while let next = wheel.nextAdvance() {
            now = next
            driven += 1
            let fired = advance(&wheel, to: next)
            if next < ms(hour + 1) {
                XCTAssertEqual(fired, [], "fired early at \(next)")
            } else if next == ms(hour + 1) {
                XCTAssertEqual(fired, [1])
            } else {
                XCTAssertEqual(next, ms(hour + 2))
                XCTAssertEqual(fired, [2])
            }
        }
        XCTAssertEqual(now, ms(hour + 2))
        XCTAssertLessThan(driven, 600, "nextAdvance wakes the caller per slot, not per tick")
    }

    /// Days away with 1 s ticks (the wheel does not care about the unit),
    /// including one deadline ~200 days out, beyond level 2 (2^24 ticks).
    func testDeadlinesDaysAway() throws {
        let second: UInt64 = 1_000_000_000
        var wheel = TimerWheel(tickNanoseconds: second, start: Instant(nanoseconds: second / 2))
        let day: UInt64 = 86_400
        let deadlines: [UInt64: UInt64] = [1: 3 * day, 2: 3 * day + 1, 3: 17 * day, 4: 200 * day + 7]
        for (payload, seconds) in deadlines {
            _ = wheel.schedule(deadline: Instant(nanoseconds: seconds * second + 1), payload: payload)
        }
        var fired: [UInt64: UInt64] = [:]
        while let next = wheel.nextAdvance() {
            for payload in advance(&wheel, to: next) {
                fired[payload] = next.nanoseconds / second
            }
        }
        // A deadline just after second s fires when second s has passed.
        XCTAssertEqual(fired, deadlines.mapValues { $0 + 1 })
    }

    /// Beyond the 2^40-tick horizon a timer is parked in the furthest top-level
    /// slot. Stepping 2^40 ticks is out of reach of a test, so this checks
    /// what is observable: it never fires early, it does not disturb near
    /// timers, `nextAdvance` stays within the horizon, and it cancels.
    func testDeadlinesBeyondTheHorizon() throws {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        let horizon: UInt64 = 1 << 40
        let beyond = wheel.schedule(deadline: ms(3 * horizon), payload: 1)
        let endOfTime = wheel.schedule(deadline: Instant(nanoseconds: .max), payload: 2)
        _ = wheel.schedule(deadline: ms(10), payload: 3)
        _ = wheel.schedule(deadline: ms(100_000), payload: 4)
        XCTAssertEqual(wheel.deadlineTick(of: beyond), 3 * horizon)
        XCTAssertEqual(wheel.deadlineTick(of: endOfTime), UInt64.max / tick)

        XCTAssertEqual(wheel.nextAdvance(), ms(11))
        XCTAssertEqual(advance(&wheel, to: ms(11)), [3])
        var next = try XCTUnwrap(wheel.nextAdvance())
        XCTAssertLessThanOrEqual(next, ms(100_001))
        // Drive on by nextAdvance until the near timer has fired.
        while next <= ms(100_001) {
            let fired = advance(&wheel, to: next)
            XCTAssertEqual(fired, next == ms(100_001) ? [4] : [], "at \(next)")
            next = try XCTUnwrap(wheel.nextAdvance())
        }
        XCTAssertEqual(wheel.count, 2, "the far timers wait")
        // The wheel asks to be woken within its horizon, never after the deadline.
        XCTAssertLessThanOrEqual(next.nanoseconds / tick, wheel.currentTick + horizon)
        XCTAssertLessThan(next, ms(3 * horizon))
        XCTAssertEqual(advance(&wheel, to: ms(2_000_000)), [])

        wheel.cancel(beyond)
        wheel.cancel(endOfTime)
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.nextAdvance())
    }

    // MARK: - nextAdvance against a brute-force scan

    /// Random schedules, cancels and advances, each checked against a plain
    /// list of live timers: `nextAdvance()` is never after the first firing
    /// instant, nil exactly when nothing is scheduled, and every `advance`
    /// fires exactly the timers whose tick has fully passed.
    func testNextAdvanceAndFiringAgreeWithABruteForceScan() throws {
        let seed = randomizedTestSeed()
        var random = SplitMix64(seed: seed)
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        var now = ms(1).nanoseconds
        var live: [UInt64: (handle: TimerHandle, deadline: UInt64)] = [:]
        var livePayloads: [UInt64] = []
        var nextPayload: UInt64 = 0

        for step in 0..<20_000 {
            let roll = random.below(100)
            if roll < 45 {
                let distance: UInt64
                switch random.below(20) {
                case 0..<12: distance = UInt64(random.below(300)) * tick / 3
                case 12..<18: distance = UInt64(random.below(70_000)) * tick + UInt64(random.below(3)) * tick / 2
                case 18: distance = UInt64(random.below(1 << 25)) * tick
                default: distance = (1 << 40) * tick + UInt64(random.below(1000)) * tick
                }
                let deadline = now + distance
                let handle = wheel.schedule(deadline: Instant(nanoseconds: deadline), payload: nextPayload)
                live[nextPayload] = (handle, deadline)
                livePayloads.append(nextPayload)
                nextPayload += 1
            } else if roll < 60, !livePayloads.isEmpty {
                let position = random.below(livePayloads.count)
                let payload = livePayloads.remove(at: position)
                wheel.cancel(live.removeValue(forKey: payload)!.handle)
            } else if roll < 62 {
                // Start over now and then, so that a handful of timers, whose
                // slots decide nextAdvance alone, is common.
                for payload in livePayloads { wheel.cancel(live[payload]!.handle) }
                live = [:]
                livePayloads = []
            } else {
                // Brute force: the first instant at which something fires.
                let firstFiring = live.values.map { ($0.deadline / tick + 1) * tick }.min()
                let next = wheel.nextAdvance()
                XCTAssertEqual(next == nil, live.isEmpty, "seed \(seed) step \(step): nextAdvance \(String(describing: next)) with \(live.count) live")
                XCTAssertEqual(wheel.count, live.count, "seed \(seed) step \(step)")
                if let next, let firstFiring {
                    XCTAssertLessThanOrEqual(next.nanoseconds, firstFiring, "seed \(seed) step \(step): nextAdvance sleeps past a firing")
                    XCTAssertGreaterThan(next.nanoseconds, now, "seed \(seed) step \(step): nextAdvance is not in the future")
                }
                var target = now
                switch random.below(4) {
                case 0, 1: if let next { target = min(next.nanoseconds, now + 400_000 * tick) }
                case 2: target = now + UInt64(random.below(3 * Int(tick)))
                default: target = now + UInt64(random.below(2_000)) * tick + UInt64(random.below(4)) * tick / 4
                }
                now = max(now, target)
                let boundary = now / tick * tick
                let expected = Set(live.filter { $0.value.deadline < boundary }.keys)
                let fired = advance(&wheel, to: Instant(nanoseconds: now))
                XCTAssertEqual(Set(fired), expected, "seed \(seed) step \(step): advance to \(now) ns fired the wrong timers")
                XCTAssertEqual(fired.count, expected.count, "seed \(seed) step \(step): a timer fired twice")
                for payload in fired { live[payload] = nil }
                livePayloads.removeAll { expected.contains($0) }
                if (testRun?.totalFailureCount ?? 0) > 0 { return }
            }
        }
    }

    /// A level-1 timer 65 500 ticks away from tick 200 lands in block 256,
    /// whose slot (0) is also the slot of the current block: a full turn
    /// ahead. `nextAdvance` must look that far.
    func testNextAdvanceFindsASlotAFullTurnAhead() throws {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(200, 500_000))
        _ = wheel.schedule(deadline: ms(65_700), payload: 1)
        XCTAssertEqual(wheel.nextAdvance(), ms(65_537), "the slot comes down at tick 65 536")
        var fired: [(UInt64, Instant)] = []
        while let next = wheel.nextAdvance() {
            fired += advance(&wheel, to: next).map { ($0, next) }
        }
        XCTAssertEqual(fired.map(\.0), [1])
        XCTAssertEqual(fired.first?.1, ms(65_701))
    }

    // MARK: - Bounded work

    func testAdvanceStopsAtItsBudgetAndResumes() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        for payload in UInt64(0)..<1_000 {
            _ = wheel.schedule(deadline: ms(10, 300_000), payload: payload)
        }
        XCTAssertEqual(advance(&wheel, to: ms(10, 999_999), workBudget: 7), [], "nothing early, even in small steps")
        var fired: [UInt64] = []
        var calls = 0
        while true {
            let before = fired.count
            let done = wheel.advance(to: ms(11), workBudget: 100, fired: &fired)
            calls += 1
            XCTAssertLessThanOrEqual(fired.count - before, 100, "call \(calls) fired beyond its budget")
            if done { break }
        }
        // One tick stepped and 1 000 timers fired, 100 units per call.
        XCTAssertEqual(calls, 11)
        XCTAssertEqual(fired.sorted(), Array(0..<1_000))
        XCTAssertEqual(wheel.count, 0)
    }

    /// `maxFired` caps the timers one call fires, whatever its work budget;
    /// moving timers down a level is not capped by it.
    func testAdvanceFiresAtMostMaxFiredPerCall() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        for payload in UInt64(0)..<1_000 {
            _ = wheel.schedule(deadline: ms(300), payload: payload)
        }
        var fired: [UInt64] = []
        XCTAssertTrue(wheel.advance(to: ms(300), workBudget: .max, maxFired: 1, fired: &fired), "moving 1 000 timers down fires none")
        XCTAssertEqual(fired, [])
        var calls = 0
        while true {
            let before = fired.count
            let done = wheel.advance(to: ms(301), workBudget: .max, maxFired: 64, fired: &fired)
            calls += 1
            XCTAssertLessThanOrEqual(fired.count - before, 64, "call \(calls) fired more than maxFired")
            if done { break }
        }
        XCTAssertEqual(calls, 16, "1 000 timers, 64 per call")
        XCTAssertEqual(fired.sorted(), Array(0..<1_000))
    }

    /// Stepping through ticks costs budget too, so a long quiet stretch with
    /// one timer at its end is walked in bounded calls as well.
    func testSteppingTicksCountsAgainstTheBudget() {
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        _ = wheel.schedule(deadline: ms(1_000), payload: 1)
        var fired: [UInt64] = []
        var calls = 0
        var previousTick = wheel.currentTick
        while !wheel.advance(to: ms(1_001), workBudget: 10, fired: &fired) {
            calls += 1
            XCTAssertLessThanOrEqual(wheel.currentTick - previousTick, 10)
            previousTick = wheel.currentTick
            if wheel.currentTick < 1_000 { XCTAssertEqual(fired, []) }
        }
        XCTAssertEqual(fired, [1])
        XCTAssertEqual(calls, 100, "1 000 ticks and one firing, 10 units per call")
    }

    /// A million timers due in the same tick: every one fires exactly once,
    /// none early, across repeated `advance` calls that each do at most the
    /// budget. The work is counted as the wheel documents it: one unit per
    /// tick stepped and per timer moved down a level or fired.
    func testAMillionTimersDueInOneTickFireOnceInBoundedCalls() {
        let count = 1_000_000
        let budget = 16_384
        var wheel = TimerWheel(tickNanoseconds: tick, start: ms(0, 500_000))
        wheel.reserveCapacity(count)
        // Tick 300: level 1 at scheduling time, moved to level 0 at tick 256.
        for payload in 0..<count {
            _ = wheel.schedule(deadline: ms(300, UInt64(payload % 1_000) * 1_000), payload: UInt64(payload))
        }
        XCTAssertEqual(wheel.count, count)

        var fired: [UInt64] = []
        fired.reserveCapacity(count)
        // Up to the end of tick 299: 299 ticks stepped, a million moves, nothing fired.
        let callsBefore = advanceCountingCalls(&wheel, to: ms(300, 999_999), budget: budget, fired: &fired)
        XCTAssertEqual(fired.count, 0, "fired before tick 300 had passed")
        XCTAssertEqual(callsBefore, (299 + count + budget - 1) / budget)

        // Tick 300 passes: one tick stepped, a million fired.
        let callsAt = advanceCountingCalls(&wheel, to: ms(301), budget: budget, fired: &fired)
        XCTAssertEqual(callsAt, (1 + count + budget - 1) / budget)
        XCTAssertEqual(fired.count, count)
        var seen = [Bool](repeating: false, count: count)
        var duplicates = 0
        for payload in fired {
            if seen[Int(payload)] { duplicates += 1 }
            seen[Int(payload)] = true
        }
        XCTAssertEqual(duplicates, 0)
        XCTAssertFalse(seen.contains(false))
        XCTAssertEqual(wheel.count, 0)
        XCTAssertNil(wheel.nextAdvance())
    }

    /// Calls `advance` until done; checks each call fired at most `budget`
    /// timers and returns the number of calls.
    private func advanceCountingCalls(_ wheel: inout TimerWheel, to now: Instant, budget: Int, fired: inout [UInt64]) -> Int {
        var calls = 0
        while true {
            let before = fired.count
            let done = wheel.advance(to: now, workBudget: budget, fired: &fired)
            calls += 1
            XCTAssertLessThanOrEqual(fired.count - before, budget, "call \(calls) fired more than its budget")
            if done { return calls }
        }
    }
}

/// The seed for a randomized test: `DEADBOLT_SEED` if set, else a fresh one,
/// printed so that a failure can be replayed.
func randomizedTestSeed(function: String = #function) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["DEADBOLT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
    print("\(function): seed \(seed); replay with DEADBOLT_SEED=\(seed)")
    return seed
}
