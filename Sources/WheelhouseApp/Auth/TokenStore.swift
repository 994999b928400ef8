import Crypto
public import Foundation
import Synchronization
import WheelhouseCore
public import WheelhouseStorage

/// What a token may do. An upload token may also read.
public enum TokenScope: String, Sendable, Codable, CaseIterable {
    case read
    case upload

    public func allows(_ needed: TokenScope) -> Bool {
        self == .upload || needed == .read
    }
}

/// A token as stored: never the secret, only its sha256.
public struct TokenRecord: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var scope: TokenScope
    public var sha256: String
    public var created: Date
}

public enum TokenError: Error, Sendable, CustomStringConvertible {
    case invalidName(String)
    case notFound(String)
    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid token name '\(name)': use 1-64 letters, digits, '.', '_' or '-'"
        case .notFound(let idOrName):
            "no token with id or name '\(idOrName)'"
        }
    }
}

/// API tokens, kept in the store under `_wheelhouse/tokens/{id}.json` as hashes.
///
/// A token reads `wh_{id}_{secret}`: the id finds the record without scanning, the secret
/// (190 random bits) is checked against the stored sha256 in constant time. The plain token is
/// shown once, at creation, and is not recoverable.
public struct TokenStore: Sendable {
    public static let prefix = StorageLayout.tokensPrefix
    public let store: any BlobStore

    public init(store: any BlobStore) {
        self.store = store
    }

    /// Creates a token and returns its record and the plain token (shown once).
    public func create(name: String, scope: TokenScope, now: Date = Date()) async throws -> (TokenRecord, String) {
        guard (1...64).contains(name.count),
            name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }),
            name.allSatisfy(\.isASCII)
        else { throw TokenError.invalidName(name) }
        var generator = SystemRandomNumberGenerator()
        let id = Self.randomString(length: 12, alphabet: "0123456789abcdef", using: &generator)
        let secret = Self.randomString(
            length: 32, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", using: &generator)
        let token = "wh_\(id)_\(secret)"
        let record = TokenRecord(id: id, name: name, scope: scope, sha256: Self.hash(token), created: now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try await store.write(
            Self.prefix + id + ".json", data: try encoder.encode(record), contentType: "application/json",
            condition: .ifAbsent)
        return (record, token)
    }

    public func list() async throws -> [TokenRecord] {
        var out: [TokenRecord] = []
        for info in try await store.list(prefix: Self.prefix) where info.key.hasSuffix(".json") {
            if let (data, _) = try await store.read(info.key), let record = try? Self.decode(data) {
                out.append(record)
            }
        }
        return out.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// Revokes by id or name; returns the revoked records.
    public func revoke(_ idOrName: String) async throws -> [TokenRecord] {
        let matches = try await list().filter { $0.id == idOrName || $0.name == idOrName }
        guard !matches.isEmpty else { throw TokenError.notFound(idOrName) }
        for record in matches {
            try await store.delete(Self.prefix + record.id + ".json")
        }
        return matches
    }

    /// The record of a presented token when it is valid, else nil.
    public func verify(_ token: String) async throws -> TokenRecord? {
        guard let id = Self.id(of: token) else { return nil }
        guard let (data, _) = try await store.read(Self.prefix + id + ".json"),
            let record = try? Self.decode(data)
        else { return nil }
        return constantTimeEquals(record.sha256, Self.hash(token)) ? record : nil
    }

    static func id(of token: String) -> String? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "wh", parts[1].count == 12,
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        return String(parts[1])
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    static func decode(_ data: Data) throws -> TokenRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(TokenRecord.self, from: data)
    }

    static func randomString(length: Int, alphabet: String, using generator: inout SystemRandomNumberGenerator) -> String {
        let chars = Array(alphabet)
        return String((0..<length).map { _ in chars[Int(generator.next(upperBound: UInt64(chars.count)))] })
    }
}

/// Verifies presented tokens with a short-lived cache, so authenticated reads do not hit the
/// store on every request. A revoked token stops working within `staleness`, which is at most
/// `maxStaleness` whatever the index staleness (issue 13: revocation must not wait for a long
/// `--index-staleness`).
public final class TokenVerifier: Sendable {
    /// The longest a verification is reused: a token revoked in the store (by `wheelhouse token
    /// revoke`, on any machine) is refused by every server within this.
    public static let maxStaleness: Duration = .seconds(2)

    let tokens: TokenStore
    let staleness: Duration
    let clock = ContinuousClock()
    let cache = Mutex<[String: (TokenRecord?, ContinuousClock.Instant)]>([:])

    public init(tokens: TokenStore, staleness: Duration) {
        self.tokens = tokens
        self.staleness = min(staleness, Self.maxStaleness)
    }

    public func verify(_ token: String) async throws -> TokenRecord? {
        let key = TokenStore.hash(token)
        let now = clock.now
        if let (record, at) = cache.withLock({ $0[key] }), now - at < staleness { return record }
        let record = try await tokens.verify(token)
        cache.withLock { c in
            if c.count > 10_000 { c.removeAll() }
            c[key] = (record, now)
        }
        return record
    }
}
