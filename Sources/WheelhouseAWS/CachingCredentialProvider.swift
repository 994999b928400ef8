public import Foundation

/// Keeps another provider's credentials until shortly before they expire.
///
/// Long-term credentials (no `expiration`) are fetched once. Temporary ones are fetched again
/// once `now()` is within `refreshBefore` (5 minutes) of their expiry; concurrent callers
/// share one fetch. If a refresh fails while the old credentials have not expired yet, the old
/// ones are returned and the next call tries again.
public actor CachingCredentialProvider: CredentialProvider {
    private let provider: any CredentialProvider
    private let refreshBefore: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AWSCredentials?
    private var inFlight: Task<AWSCredentials, any Error>?

    /// `now` is injected so tests control the clock.
    public init(
        wrapping provider: any CredentialProvider, refreshBefore: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.provider = provider
        let parts = refreshBefore.components
        self.refreshBefore = TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        if let inFlight { return try await inFlight.value }
        let provider = self.provider
        let task = Task { try await provider.credentials() }
        inFlight = task
        defer { inFlight = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            if let cached, let expiration = cached.expiration, expiration > now() { return cached }
            throw error
        }
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return now() >= expiration.addingTimeInterval(-refreshBefore)
    }
}
