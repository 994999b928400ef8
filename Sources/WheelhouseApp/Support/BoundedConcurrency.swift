/// The two ways work runs concurrently with a bound: `concurrentMap` over a list (a window of
/// `jobs` child tasks), and `ConcurrencyLimit`, one budget shared by nested work (projects that
/// each copy files, all drawing from the same `--jobs`).

/// `transform` over `items` with at most `jobs` running at once; results in input order. The
/// first error stops starting new items, cancels those running and is rethrown.
func concurrentMap<T: Sendable, R: Sendable, E: Error>(
    _ items: [T], jobs: Int, _ transform: @escaping @Sendable (T) async throws(E) -> R
) async throws(E) -> [R] {
    let outcomes = await withTaskGroup(of: (Int, Result<R, E>).self) { group in
        var out = [Result<R, E>?](repeating: nil, count: items.count)
        var next = 0
        func start() {
            let i = next
            next += 1
            group.addTask {
                do throws(E) {
                    return (i, .success(try await transform(items[i])))
                } catch {
                    return (i, .failure(error))
                }
            }
        }
        while next < min(max(1, jobs), items.count) { start() }
        for await (i, result) in group {
            out[i] = result
            if case .failure = result {
                group.cancelAll()
                break
            }
            if next < items.count { start() }
        }
        return out
    }
    var results: [R] = []
    results.reserveCapacity(items.count)
    for outcome in outcomes {
        switch outcome {
        case .success(let value)?: results.append(value)
        case .failure(let error)?: throw error
        case nil: continue
        }
    }
    return results
}

/// At most `limit` bodies run at once; waiters are served in order.
actor ConcurrencyLimit {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Index of the next waiter to serve (the array is compacted now and then).
    private var next = 0

    init(_ limit: Int) {
        available = max(1, limit)
    }

    private func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        guard next < waiters.count else {
            available += 1
            return
        }
        waiters[next].resume()
        next += 1
        if next >= 1024, next * 2 >= waiters.count {
            waiters.removeFirst(next)
            next = 0
        }
    }

    nonisolated func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }
}
