import WheelhouseCore
import Synchronization

extension IndexCache {
    /// Every project name, from the same cached list the `/simple/` page is rendered from.
    func projectNames() async throws -> [String] {
        _ = try await rootPage(format: .jsonV1)
        if let names = state.withLock({ $0.root?.names }) { return names }
        return try await records.projectNames()
    }
}

extension IndexCache {
    /// Bumped by every `invalidate`: a page derived from the cache is current while it holds.
    var generation: Int { state.withLock { $0.generation } }
}
