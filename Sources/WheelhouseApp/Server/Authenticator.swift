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
            throw AuthError.credentialsRequired
        }
        guard user == "__token__" else { throw AuthError.wrongUsername }
        guard let record = try await tokens.verify(password) else { throw AuthError.invalidToken }
        guard record.scope.allows(needed) else {
            throw AuthError.insufficientScope(token: record.name, scope: record.scope, needed: needed)
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

/// Why a request was not authorized: 401 with a `WWW-Authenticate` challenge when no
/// credentials came (pip and twine then send them), 403 for wrong ones.
enum AuthError: ClientFacingError, Equatable {
    case credentialsRequired
    case wrongUsername
    case invalidToken
    case insufficientScope(token: String, scope: TokenScope, needed: TokenScope)

    var status: HTTPResponse.Status { self == .credentialsRequired ? .unauthorized : .forbidden }

    var clientMessage: String {
        switch self {
        case .credentialsRequired: "Authentication required: use the username __token__ and a Wheelhouse token as the password."
        case .wrongUsername: "Invalid credentials: the username must be __token__ and the password a Wheelhouse token."
        case .invalidToken: "Invalid or revoked token."
        case .insufficientScope(let token, let scope, let needed):
            "The token '\(token)' has scope \(scope.rawValue) and may not \(needed == .upload ? "upload" : "read")."
        }
    }

    var clientHeaders: HTTPFields {
        self == .credentialsRequired ? [.wwwAuthenticate: "Basic realm=\"wheelhouse\", charset=\"UTF-8\""] : [:]
    }
}
