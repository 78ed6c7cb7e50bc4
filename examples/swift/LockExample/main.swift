import DeadboltClient

// $DEADBOLT_SOCKET, or the daemon's default socket.
let client = try await DeadboltClient.connect()

// Locks taken away from us (a lease that ran out, an admin's force-release).
let watcher = Task {
    for await lost in client.lostLocks {
        print("lost \(lost.resource) with fencing token \(lost.token): \(lost.reason)")
    }
}

// Exclusive, waits its turn, 30 s lease; released however the closure exits.
try await client.withLock("report", ttl: .seconds(30)) { lease in
    print("holding report with fencing token \(lease.token)")
}

await client.close()  // finishes lostLocks, so the watcher ends
await watcher.value
