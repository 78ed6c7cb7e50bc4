// The core benchmark: how fast and how small the pure lock engine is, with no
// I/O in the way. Every figure is printed with its unit, its method and its
// goal, never bare.
//
//     swift run -c release DeadboltCoreBenchmark            # full run
//     swift run -c release DeadboltCoreBenchmark --quick    # counts / 10, fewer runs
//
// Only the standard library and Glibc: clock_gettime(CLOCK_MONOTONIC) for
// time (and CLOCK_THREAD_CPUTIME_ID beside it, which leaves out preemption on
// a busy machine), /proc/self/statm for resident memory. Run one group under
// valgrind --tool=callgrind with `--only K` to see where the time goes.

import DeadboltCore

#if canImport(Glibc)
import Glibc
#else
#error("DeadboltCoreBenchmark reads /proc and uses Glibc; it runs on Linux only")
#endif

// MARK: - Options

struct Options {
    /// Measured runs of each throughput benchmark; the median is reported.
    var runs = 7
    /// Acquire+release pairs per run of benchmark 1.
    var pairsPerRun = 2_000_000
    /// Handoffs per run of benchmark 2.
    var handoffsPerRun = 1_000_000
    /// Leases held at once in benchmarks 3 and 4.
    var locks = 1_000_000
    var quick = false
    /// Benchmark groups to run: 1, 2, 3 (3 covers 4 too); all by default.
    var only: Set<Int> = [1, 2, 3]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick":
                options.quick = true
                options.runs = 3
                options.pairsPerRun /= 10
                options.handoffsPerRun /= 10
                options.locks /= 10
            case "--locks":
                guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0, value <= 2_000_000 else {
                    fail("--locks needs a count from 1 to 2000000")
                }
                options.locks = value
            case "--only":
                guard let value = rest.popFirst().flatMap({ Int($0) }), [1, 2, 3, 4].contains(value) else {
                    fail("--only needs 1, 2, 3 or 4")
                }
                options.only = [value == 4 ? 3 : value]
            case "--help", "-h":
                print("""
                usage: DeadboltCoreBenchmark [--quick] [--locks N] [--only 1|2|3|4]
                  --quick    divide every count by 10 and run 3 times instead of 7
                  --locks N  leases held at once in benchmarks 3 and 4 (default 1000000)
                  --only K   run one group, e.g. under valgrind (3 and 4 run together)
                """)
                exit(0)
            default:
                fail("unknown argument \(argument) (try --help)")
            }
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    var standardError = StandardError()
    print("DeadboltCoreBenchmark: \(message)", to: &standardError)
    exit(2)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

// MARK: - Clock and memory

/// Nanoseconds on CLOCK_MONOTONIC.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// CPU time of the calling thread in nanoseconds: unlike the wall clock, it
/// does not count time the thread was preempted by other work on the machine.
@inline(__always)
func threadCPUNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Resident set size in bytes: the second field of /proc/self/statm, in pages.
func residentBytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY)
    precondition(fd >= 0, "cannot open /proc/self/statm")
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    precondition(count > 0, "cannot read /proc/self/statm")
    let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
    guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else {
        preconditionFailure("unexpected /proc/self/statm")
    }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Gives freed heap memory back to the kernel, so that an RSS baseline does
/// not hide pages a previous benchmark freed but malloc kept.
/// (malloc.h is not in the Glibc module, so the symbol is looked up.)
func trimHeap() {
    typealias MallocTrim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
}

/// The first line of a small /proc file, for the header.
func firstLine(ofFile path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first.map(String.init)
}

func cpuModel() -> String {
    let fd = open("/proc/cpuinfo", O_RDONLY)
    guard fd >= 0 else { return "unknown" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return "unknown" }
    for line in String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n") where line.hasPrefix("model name") {
        if let colon = line.firstIndex(of: ":") {
            return String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
        }
    }
    return "unknown"
}

// MARK: - Formatting (no Foundation)

/// `1234567` as "1,234,567".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (offset, digit) in digits.enumerated() {
        if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return value < 0 ? "-" + out : out
}

/// `value` with `decimals` digits after the point, rounded half away from zero.
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var out = (value < 0 && scaled != 0 ? "-" : "") + grouped(whole)
    if decimals > 0 {
        let fraction = String(Int(scaled - Double(whole) * scale))
        out += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return out
}

func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
    let gap = max(0, width - text.count)
    return right ? String(repeating: " ", count: gap) + text : text + String(repeating: " ", count: gap)
}

func milliseconds(_ nanoseconds: UInt64) -> String { fixed(Double(nanoseconds) / 1e6, 2) }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// "min … max" of a run series, for the method column.
func spread(_ values: [Double]) -> String {
    "runs \(grouped(Int(values.min()!.rounded())))…\(grouped(Int(values.max()!.rounded())))"
}

// MARK: - The report

struct Row {
    var id: String
    var measure: String
    var result: String
    var unit: String
    var goal: String
    /// "met", "MISSED", "ok"/"FAILED" for checks, "—" without a goal.
    var verdict: String
    var method: String
}

struct Report {
    var rows: [Row] = []

    mutating func add(_ row: Row) {
        rows.append(row)
        // Each row as soon as it is measured, so a long run shows progress.
        var standardError = StandardError()
        print("  measured \(row.id): \(row.result) \(row.unit)", to: &standardError)
    }

    func printTable() {
        let headers = Row(id: "#", measure: "measure", result: "result", unit: "unit", goal: "goal", verdict: "verdict", method: "method")
        let all = [headers] + rows
        func width(_ column: (Row) -> String) -> Int { all.map { column($0).count }.max()! }
        let widths = (width(\.id), width(\.measure), width(\.result), width(\.unit), width(\.goal), width(\.verdict))
        func line(_ row: Row) -> String {
            [
                padded(row.id, widths.0), padded(row.measure, widths.1), padded(row.result, widths.2, right: true),
                padded(row.unit, widths.3), padded(row.goal, widths.4), padded(row.verdict, widths.5), row.method,
            ].joined(separator: "  ")
        }
        let header = line(headers)
        print(header)
        print(String(repeating: "-", count: header.count))
        for row in rows { print(line(row)) }
    }
}

func verdict(_ met: Bool) -> String { met ? "met" : "MISSED" }
func check(_ ok: Bool) -> String { ok ? "ok" : "FAILED" }

// MARK: - Fixtures

let benchmarkPeer = Peer(pid: 4242, uid: 1000, gid: 1000)

/// "lock-0000001" … : 12 bytes, so every name is a small (inline) string.
func makeNames(_ count: Int) -> [ResourceName] {
    var names: [ResourceName] = []
    names.reserveCapacity(count)
    for i in 0..<count {
        let digits = String(i + 1)
        let name = "lock-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
        names.append(try! ResourceName(name))
    }
    return names
}

/// Quotas out of the way: a session may hold any number of locks, the table
/// up to 2^21 resources (the most `--locks` allows).
func roomyConfiguration(timerWorkPerAdvance: Int = LockTableConfiguration().timerWorkPerAdvance) -> LockTableConfiguration {
    LockTableConfiguration(
        maxLocksPerSession: Int.max / 2, maxWaitersPerSession: Int.max / 2, maxResources: 1 << 21,
        timerWorkPerAdvance: timerWorkPerAdvance
    )
}

let start = Instant.milliseconds(1_000)

/// One timed run: operations per wall-clock second (the figure reported) and
/// per second of the thread's CPU time (which leaves out preemption, to tell
/// a slow engine from a busy machine).
struct Rates {
    var perWallSecond: Double
    var perCPUSecond: Double

    init(count: Int, wallNanoseconds: UInt64, cpuNanoseconds: UInt64) {
        perWallSecond = Double(count) / (Double(wallNanoseconds) / 1e9)
        perCPUSecond = Double(count) / (Double(max(cpuNanoseconds, 1)) / 1e9)
    }
}

// MARK: - 1. Uncontended acquire+release

/// Pairs per second of acquire (granted at once) + release on one session,
/// cycling over `names`. Each release empties the resource, so every pair
/// also creates and drops its resource record and index entry.
func uncontendedRun(pairs: Int, names: [ResourceName], ttlMilliseconds: UInt32, checksum: inout UInt64) -> Rates {
    var table = LockTable(configuration: roomyConfiguration(), now: start)
    let session = SessionID(1)
    table.openSession(session, peer: benchmarkPeer)
    var actions: [LockAction] = []
    actions.reserveCapacity(16)
    let mask = names.count - 1
    precondition(names.count & mask == 0, "name count must be a power of two")
    let beganCPU = threadCPUNanoseconds()
    let began = monotonicNanoseconds()
    for i in 0..<pairs {
        let name = names[i & mask]
        let request = LockRequest(resource: name, session: session, ticket: Ticket(UInt64(i)), ttlMilliseconds: ttlMilliseconds)
        guard case .granted(let grant) = table.acquire(request, now: start, into: &actions) else {
            preconditionFailure("uncontended acquire not granted")
        }
        checksum &+= grant.fencingToken
        guard case .released(remainingHoldCount: 0) = table.release(resource: name, owner: .session, session: session, now: start, into: &actions) else {
            preconditionFailure("release of a held lock failed")
        }
        // Only fencing reservations (one per 65,536 grants) land here.
        if !actions.isEmpty { actions.removeAll(keepingCapacity: true) }
    }
    let rates = Rates(count: pairs, wallNanoseconds: monotonicNanoseconds() - began, cpuNanoseconds: threadCPUNanoseconds() - beganCPU)
    precondition(table.counters.locksHeld == 0 && table.counters.resources == 0)
    return rates
}

func benchmarkUncontended(_ options: Options, report: inout Report, checksum: inout UInt64) {
    let names = makeNames(16)
    for (id, ttl) in [("1a", UInt32(0)), ("1b", UInt32(30_000))] {
        // One warm-up run, not counted.
        _ = uncontendedRun(pairs: options.pairsPerRun / 4, names: names, ttlMilliseconds: ttl, checksum: &checksum)
        let runs = (0..<options.runs).map { _ in
            uncontendedRun(pairs: options.pairsPerRun, names: names, ttlMilliseconds: ttl, checksum: &checksum)
        }
        let rates = runs.map(\.perWallSecond)
        let rate = median(rates)
        report.add(Row(
            id: id,
            measure: "uncontended acquire+release, " + (ttl == 0 ? "no lease" : "30 s lease"),
            result: grouped(Int(rate.rounded())), unit: "pairs/s", goal: "≥ 2,000,000 pairs/s",
            verdict: verdict(rate >= 2_000_000),
            method: "median of \(options.runs) runs × \(grouped(options.pairsPerRun)) pairs (\(spread(rates))); 1 thread, "
                + "1 session, 16 names round-robin, exclusive, no wait; per CPU-second \(grouped(Int(median(runs.map(\.perCPUSecond)).rounded())))"
        ))
    }
}

// MARK: - 2. Grant and handoff

/// Handoffs per second on one resource with `sessions` sessions: the holder
/// releases, the head waiter is granted (a `.granted` action), and the old
/// holder queues again at the tail with a wait-forever acquire.
func handoffRun(handoffs: Int, sessions sessionCount: Int, ttlMilliseconds: UInt32, checksum: inout UInt64) -> Rates {
    var table = LockTable(configuration: roomyConfiguration(), now: start)
    let name = try! ResourceName("lock-handoff")
    let sessions = (1...sessionCount).map { SessionID(UInt64($0)) }
    for session in sessions { table.openSession(session, peer: benchmarkPeer) }
    var actions: [LockAction] = []
    actions.reserveCapacity(16)
    var ticket: UInt64 = 0
    func request(_ session: SessionID) -> LockRequest {
        ticket += 1
        return LockRequest(resource: name, session: session, ticket: Ticket(ticket), ttlMilliseconds: ttlMilliseconds, wait: .forever)
    }
    guard case .granted = table.acquire(request(sessions[0]), now: start, into: &actions) else { preconditionFailure() }
    for session in sessions.dropFirst() {
        guard case .queued = table.acquire(request(session), now: start, into: &actions) else { preconditionFailure() }
    }
    actions.removeAll(keepingCapacity: true)

    var holder = 0
    let beganCPU = threadCPUNanoseconds()
    let began = monotonicNanoseconds()
    for _ in 0..<handoffs {
        guard case .released(remainingHoldCount: 0) = table.release(
            resource: name, owner: .session, session: sessions[holder], now: start, into: &actions
        ) else { preconditionFailure("holder could not release") }
        var next: SessionID?
        for action in actions {
            if case .granted(let grant) = action {
                precondition(next == nil, "two grants for one exclusive release")
                next = grant.session
                checksum &+= grant.fencingToken
            }
        }
        // FIFO: the grant goes to the session that queued right after the holder.
        let expected = holder + 1 == sessionCount ? 0 : holder + 1
        precondition(next == sessions[expected], "handoff out of FIFO order")
        actions.removeAll(keepingCapacity: true)
        guard case .queued = table.acquire(request(sessions[holder]), now: start, into: &actions) else {
            preconditionFailure("re-queue of the old holder failed")
        }
        holder = expected
    }
    let rates = Rates(count: handoffs, wallNanoseconds: monotonicNanoseconds() - began, cpuNanoseconds: threadCPUNanoseconds() - beganCPU)
    precondition(table.counters.locksHeld == 1 && table.counters.waiters == sessionCount - 1)
    return rates
}

func benchmarkHandoff(_ options: Options, report: inout Report, checksum: inout UInt64) {
    for (id, ttl) in [("2a", UInt32(0)), ("2b", UInt32(30_000))] {
        _ = handoffRun(handoffs: options.handoffsPerRun / 4, sessions: 16, ttlMilliseconds: ttl, checksum: &checksum)
        let runs = (0..<options.runs).map { _ in
            handoffRun(handoffs: options.handoffsPerRun, sessions: 16, ttlMilliseconds: ttl, checksum: &checksum)
        }
        let rates = runs.map(\.perWallSecond)
        let rate = median(rates)
        report.add(Row(
            id: id,
            measure: "grant+handoff, 16 sessions, 1 resource, " + (ttl == 0 ? "no lease" : "30 s lease"),
            result: grouped(Int(rate.rounded())), unit: "handoffs/s", goal: "none set", verdict: "—",
            method: "median of \(options.runs) runs × \(grouped(options.handoffsPerRun)) handoffs (\(spread(rates))); "
                + "each = holder's release (→ .granted to the FIFO head, checked) + old holder re-queues, wait forever; "
                + "per CPU-second \(grouped(Int(median(runs.map(\.perCPUSecond)).rounded())))"
        ))
    }
}

// MARK: - 3 and 4. A million leases: insert, memory, expiry

struct ExpiryResult {
    var insertNanoseconds: UInt64
    var residentBefore: Int
    var residentHeld: Int
    /// After `malloc_trim`, i.e. without heap pages that growth freed.
    var residentHeldTrimmed: Int
    var expireNanoseconds: UInt64
    var advanceCalls: Int
    var longestAdvanceNanoseconds: UInt64
    /// The same, in thread CPU time (without preemption).
    var longestAdvanceCPUNanoseconds: UInt64
    /// Durations of the calls that ended at least one lease.
    var firingCallNanoseconds: [UInt64]
    var lostActions: Int
    var residentAfterExpiry: Int
    var drained: Bool
}

/// Holds one lease per name (30 s, sessions round-robin over 1,000), then
/// moves the clock past every deadline and calls `advance` until it is done.
func leaseRun(names: [ResourceName], reserve: Bool, timerWorkPerAdvance: Int) -> ExpiryResult {
    let sessionCount = 1_000
    trimHeap()
    let residentBefore = residentBytes()

    var table = LockTable(configuration: roomyConfiguration(timerWorkPerAdvance: timerWorkPerAdvance), now: start)
    for s in 1...sessionCount { table.openSession(SessionID(UInt64(s)), peer: benchmarkPeer) }
    var actions: [LockAction] = []
    actions.reserveCapacity(64)

    let insertBegan = monotonicNanoseconds()
    if reserve { table.reserveCapacity(locks: names.count) }
    var session: UInt64 = 1
    for (i, name) in names.enumerated() {
        let request = LockRequest(resource: name, session: SessionID(session), ticket: Ticket(UInt64(i)), ttlMilliseconds: 30_000)
        guard case .granted = table.acquire(request, now: start, into: &actions) else {
            preconditionFailure("acquire of a fresh name not granted")
        }
        session = session == UInt64(sessionCount) ? 1 : session + 1
    }
    let insertNanoseconds = monotonicNanoseconds() - insertBegan
    precondition(table.counters.locksHeld == names.count)
    actions.removeAll(keepingCapacity: true)

    let residentHeld = residentBytes()
    trimHeap()
    let residentHeldTrimmed = residentBytes()

    // Two ticks past the deadline: the deadline's tick has fully passed.
    let expiry = start.adding(milliseconds: 30_002)
    var calls = 0
    var longest: UInt64 = 0
    var longestCPU: UInt64 = 0
    var firingCallNanoseconds: [UInt64] = []
    var lost = 0
    var expireNanoseconds: UInt64 = 0
    while true {
        let beganCPU = threadCPUNanoseconds()
        let began = monotonicNanoseconds()
        let done = table.advance(to: expiry, into: &actions)
        let took = monotonicNanoseconds() - began
        let tookCPU = threadCPUNanoseconds() - beganCPU
        calls += 1
        expireNanoseconds += took
        longest = max(longest, took)
        longestCPU = max(longestCPU, tookCPU)
        // What a server does between calls: deliver the notices, reuse the buffer.
        var lostNow = 0
        for action in actions {
            if case .lost(let notice) = action, notice.reason == .leaseExpired { lostNow += 1 }
        }
        lost += lostNow
        if lostNow > 0 { firingCallNanoseconds.append(took) }
        actions.removeAll(keepingCapacity: true)
        if done { break }
        precondition(calls < 10_000_000, "advance never finished")
    }
    let drained = table.counters.locksHeld == 0 && table.counters.resources == 0 && table.nextAdvance() == nil
    actions = []  // the caller's buffer is not the table's
    let residentAfterExpiry = residentBytes()
    withExtendedLifetime(table) {}
    return ExpiryResult(
        insertNanoseconds: insertNanoseconds, residentBefore: residentBefore, residentHeld: residentHeld,
        residentHeldTrimmed: residentHeldTrimmed, expireNanoseconds: expireNanoseconds, advanceCalls: calls,
        longestAdvanceNanoseconds: longest, longestAdvanceCPUNanoseconds: longestCPU, firingCallNanoseconds: firingCallNanoseconds, lostActions: lost, residentAfterExpiry: residentAfterExpiry, drained: drained
    )
}

/// RSS of a bare `[ResourceName: Int32]` holding the same names: the share of
/// the resource index (a Dictionary of public types, so it can be rebuilt here).
func indexProbe(names: [ResourceName]) -> Int {
    trimHeap()
    let before = residentBytes()
    var index: [ResourceName: Int32] = [:]
    index.reserveCapacity(names.count)
    for (i, name) in names.enumerated() { index[name] = Int32(i) }
    let after = residentBytes()
    withExtendedLifetime(index) {}
    return after - before
}

/// The spread of the calls that ended leases: a long tail points at growth
/// (free lists doubling) rather than at the steady cost per lease.
func callProfile(_ result: ExpiryResult) -> String {
    let sorted = result.firingCallNanoseconds.sorted()
    guard !sorted.isEmpty else { return "no call ended a lease" }
    let overGoal = sorted.count(where: { $0 > 1_000_000 })
    return "\(sorted.count) calls ended leases: median \(milliseconds(sorted[sorted.count / 2])) ms, "
        + "\(overGoal) over 1 ms"
}

func benchmarkLeases(_ options: Options, report: inout Report) {
    let count = options.locks
    let countText = grouped(count)
    // Built before any baseline, so both RSS readings include it.
    let names = makeNames(count)
    let perLockGoal = 145.0
    func perLock(_ bytes: Int) -> Double { Double(bytes) / Double(count) }

    // 3a/3b and 4a: storage reserved up front (the engine's own footprint).
    let reserved = leaseRun(names: names, reserve: true, timerWorkPerAdvance: roomyConfiguration().timerWorkPerAdvance)
    let budget = grouped(roomyConfiguration().timerWorkPerAdvance)
    report.add(Row(
        id: "3a", measure: "insert \(countText) leases (reserveCapacity first)",
        result: milliseconds(reserved.insertNanoseconds), unit: "ms", goal: "none set", verdict: "—",
        method: "one timed pass of acquire, 30 s TTL, names 'lock-0000001'… (12 B, inline) built before; "
            + "\(grouped(Int((Double(count) / (Double(reserved.insertNanoseconds) / 1e9)).rounded())))/s"
    ))
    report.add(Row(
        id: "3b", measure: "expire all \(countText) leases: total",
        result: milliseconds(reserved.expireNanoseconds), unit: "ms", goal: "none set", verdict: "—",
        method: "clock moved to start + 30.002 s, advance called until it returns true (sum of call times; "
            + "timerWorkPerAdvance \(budget)) = \(fixed(Double(reserved.expireNanoseconds) / Double(count), 0)) ns per lease"
    ))
    report.add(Row(
        id: "3c", measure: "expire all: advance calls",
        result: grouped(reserved.advanceCalls), unit: "calls", goal: "none set", verdict: "—",
        method: "same pass as 3b; \(callProfile(reserved))"
    ))
    report.add(Row(
        id: "3d", measure: "expire all: longest single advance",
        result: milliseconds(reserved.longestAdvanceNanoseconds), unit: "ms", goal: "≤ 1 ms per call",
        verdict: verdict(reserved.longestAdvanceNanoseconds <= 1_000_000),
        method: "same pass as 3b; each call timed alone with CLOCK_MONOTONIC (wall)"
    ))
    report.add(Row(
        id: "3d'", measure: "expire all: longest single advance, CPU time",
        result: milliseconds(reserved.longestAdvanceCPUNanoseconds), unit: "ms", goal: "≤ 1 ms per call",
        verdict: verdict(reserved.longestAdvanceCPUNanoseconds <= 1_000_000),
        method: "same calls, CLOCK_THREAD_CPUTIME_ID: excludes preemption by other work on the machine"
    ))
    report.add(Row(
        id: "3e", measure: "expire all: .lost(leaseExpired) actions",
        result: grouped(reserved.lostActions), unit: "actions", goal: "exactly \(countText)",
        verdict: check(reserved.lostActions == count && reserved.drained),
        method: "counted over every advance call; table empty afterwards: \(reserved.drained ? "yes" : "NO")"
    ))
    let heldBytes = reserved.residentHeld - reserved.residentBefore
    report.add(Row(
        id: "4a", measure: "resident bytes per held lock (reserved)",
        result: fixed(perLock(heldBytes), 1), unit: "B/lock", goal: "≤ 145 B/lock (Redis)",
        verdict: verdict(perLock(heldBytes) <= perLockGoal),
        method: "(RSS holding \(countText) − RSS before) / \(countText); /proc/self/statm, malloc_trim before baseline, "
            + "names array allocated in both; Δ = \(grouped(heldBytes)) B"
    ))
    report.add(Row(
        id: "4b", measure: "resident bytes per lock after expiry (retained)",
        result: fixed(perLock(reserved.residentAfterExpiry - reserved.residentBefore), 1), unit: "B/lock",
        goal: "none set", verdict: "—",
        method: "same table after 3b, empty: capacity the slabs, index and wheel keep"
    ))

    // 3f and 4c: no reservation, the way a server grows.
    let grown = leaseRun(names: names, reserve: false, timerWorkPerAdvance: roomyConfiguration().timerWorkPerAdvance)
    report.add(Row(
        id: "3f", measure: "insert \(countText) leases (growing from empty)",
        result: milliseconds(grown.insertNanoseconds), unit: "ms", goal: "none set", verdict: "—",
        method: "as 3a without reserveCapacity: includes Dictionary rehashes and array doublings"
    ))
    report.add(Row(
        id: "3g", measure: "expire all (grown table): longest advance",
        result: milliseconds(grown.longestAdvanceNanoseconds), unit: "ms", goal: "≤ 1 ms per call",
        verdict: verdict(grown.longestAdvanceNanoseconds <= 1_000_000),
        method: "\(grouped(grown.advanceCalls)) calls, \(milliseconds(grown.expireNanoseconds)) ms in all, "
            + "\(grouped(grown.lostActions)) lost actions (\(check(grown.lostActions == count && grown.drained)))"
    ))
    let grownBytes = grown.residentHeld - grown.residentBefore
    let grownTrimmedBytes = grown.residentHeldTrimmed - grown.residentBefore
    report.add(Row(
        id: "4c", measure: "resident bytes per held lock (grown)",
        result: fixed(perLock(grownBytes), 1), unit: "B/lock", goal: "≤ 145 B/lock (Redis)",
        verdict: verdict(perLock(grownBytes) <= perLockGoal),
        method: "as 4a without reserveCapacity; after malloc_trim of freed growth buffers: "
            + "\(fixed(perLock(grownTrimmedBytes), 1)) B/lock"
    ))

    // 4d: what the resource index alone costs, for the breakdown.
    let indexBytes = indexProbe(names: names)
    report.add(Row(
        id: "4d", measure: "  of which: resource index [ResourceName: Int32]",
        result: fixed(perLock(indexBytes), 1), unit: "B/lock", goal: "(breakdown)", verdict: "—",
        method: "RSS of a standalone Dictionary with the same \(countText) names, reserved; "
            + "stride of ResourceName \(MemoryLayout<ResourceName>.stride) B + Int32 4 B, buckets a power of two at ≤ 75% load"
    ))
    report.add(Row(
        id: "4e", measure: "  of which: records, wheel nodes, free lists",
        result: fixed(perLock(heldBytes - indexBytes), 1), unit: "B/lock", goal: "(breakdown)", verdict: "—",
        method: "4a − 4d (the record strides are internal to DeadboltCore)"
    ))

    // What a smaller per-call budget would do to the longest advance (public configuration only).
    let smallBudget = 2_048
    let budgeted = leaseRun(names: names, reserve: true, timerWorkPerAdvance: smallBudget)
    report.add(Row(
        id: "3h", measure: "what-if: longest advance, budget \(grouped(smallBudget))",
        result: milliseconds(budgeted.longestAdvanceNanoseconds), unit: "ms", goal: "≤ 1 ms per call",
        verdict: verdict(budgeted.longestAdvanceNanoseconds <= 1_000_000),
        method: "as 3b with LockTableConfiguration.timerWorkPerAdvance = \(grouped(smallBudget)): "
            + "\(grouped(budgeted.advanceCalls)) calls, \(milliseconds(budgeted.expireNanoseconds)) ms in all, "
            + "\(grouped(budgeted.lostActions)) lost (\(check(budgeted.lostActions == count && budgeted.drained))); \(callProfile(budgeted)); "
            + "longest in CPU time \(milliseconds(budgeted.longestAdvanceCPUNanoseconds)) ms"
    ))
    withExtendedLifetime(names) {}
}

// MARK: - Main

func main() {
    let options = Options.parse(CommandLine.arguments)
    #if DEBUG
    let configuration = "debug (-Onone): figures are not meaningful, use -c release"
    #else
    let configuration = "release (-O)"
    #endif

    print("DeadboltCoreBenchmark: the pure lock engine (DeadboltCore), single-threaded, no I/O")
    print("machine:        \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs online (nproc), \(cpuModel())")
    print("memory:         \(grouped(Int(sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE)) / (1 << 20)))) MiB, page \(sysconf(Int32(_SC_PAGESIZE))) B")
    print("load average:   \(firstLine(ofFile: "/proc/loadavg") ?? "unknown") (other work on this machine skews the figures)")
    print("build:          \(configuration)")
    print("mode:           \(options.quick ? "--quick (counts / 10, 3 runs)" : "full") — \(options.runs) runs, "
        + "\(grouped(options.pairsPerRun)) pairs, \(grouped(options.handoffsPerRun)) handoffs, \(grouped(options.locks)) leases")
    print("time:           CLOCK_MONOTONIC; memory: resident pages of /proc/self/statm")
    print("")

    var report = Report()
    var checksum: UInt64 = 0
    // Large-memory benchmarks first, while the heap is fresh.
    if options.only.contains(3) { benchmarkLeases(options, report: &report) }
    if options.only.contains(1) { benchmarkUncontended(options, report: &report, checksum: &checksum) }
    if options.only.contains(2) { benchmarkHandoff(options, report: &report, checksum: &checksum) }

    report.rows.sort { $0.id < $1.id }
    report.printTable()
    print("")
    print("checksum of fencing tokens granted: \(checksum) (keeps the work observable)")
    let missed = report.rows.filter { $0.verdict == "MISSED" || $0.verdict == "FAILED" }.map(\.id)
    print(missed.isEmpty ? "all goals met" : "goals missed or checks failed: \(missed.joined(separator: ", "))")
}

main()
