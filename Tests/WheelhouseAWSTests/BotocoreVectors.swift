import Foundation
import WheelhouseTestSupport

@testable import WheelhouseAWS

/// One request signed by botocore, from `Vectors/botocore_signatures.py`.
struct BotocoreCase: Decodable, CustomStringConvertible {
    struct Payload: Decodable {
        var mode: String
        var body_hex: String?
        var hash: String?
    }

    var id: String
    var kind: String
    var service: String
    var region: String
    var access_key: String
    var secret_key: String
    var token: String?
    var epoch: Int
    var method: String
    var url: String
    var headers: [[String]]?
    var payload: Payload?
    var expires: Int?
    var expected_canonical_request: String?
    var expected_headers: [[String]]?
    var expected_url: String?

    var description: String { "\(id) \(method) \(url)" }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(accessKeyId: access_key, secretAccessKey: secret_key, sessionToken: token),
            region: region, service: service)
    }

    var date: Date { Date(timeIntervalSince1970: TimeInterval(epoch)) }

    var headerPairs: [(String, String)] { (headers ?? []).map { ($0[0], $0[1]) } }

    var signerPayload: SigV4Signer.Payload {
        switch payload?.mode {
        case "unsigned": .unsigned
        case "hash": .hash(payload?.hash ?? "")
        default: .data(Self.bytes(hex: payload?.body_hex ?? ""))
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
    }
}

/// Runs the generator once per test process and shares its output.
enum BotocoreVectors {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Vectors/botocore_signatures.py")

    /// All cases of `kind`; fails if botocore is missing or wrote something unreadable.
    static func cases(kind: String) async throws -> [BotocoreCase] {
        let result = try await ProcessRunner.check(TestSupport.python, [script.path, "300"])
        let decoder = JSONDecoder()
        return try result.stdoutText.split(separator: "\n")
            .map { try decoder.decode(BotocoreCase.self, from: Data($0.utf8)) }
            .filter { $0.kind == kind }
    }
}
