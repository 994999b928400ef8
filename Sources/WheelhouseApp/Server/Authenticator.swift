import Foundation
import HTTPTypes
import Hummingbird

/// Checks HTTP Basic credentials (`__token__` : token) against the token store, per the
/// access policy. No credentials where some are needed: 401 with a `WWW-Authenticate`
/// challenge (pip and twine then know to send them). Wrong or under-scoped token: 403.
struct Authenticator: Sendable {
    let policy: AccessPolicy
    let tokens: TokenVerifier

    func authorize(_ request: Request, for needed: TokenScope) async throws {
        switch (policy, needed) {
        case (.none, _), (.upload, .read): return
        default: break
        }
        guard let header = request.headers[.authorization], let (user, password) = Self.basicCredentials(header) else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"wheelhouse\", charset=\"UTF-8\""],
                message: "Authentication required: use the username __token__ and a Wheelhouse token as the password.")
        }
        guard user == "__token__" else {
            throw HTTPError(.forbidden, message: "Invalid credentials: the username must be __token__ and the password a Wheelhouse token.")
        }
        guard let record = try await tokens.verify(password) else {
            throw HTTPError(.forbidden, message: "Invalid or revoked token.")
        }
        guard record.scope.allows(needed) else {
            throw HTTPError(.forbidden, message: "The token '\(record.name)' has scope \(record.scope.rawValue) and may not \(needed == .upload ? "upload" : "read").")
        }
    }

    /// RFC 7617 Basic credentials.
    static func basicCredentials(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingSpaces),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}
