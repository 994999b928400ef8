import AsyncHTTPClient
import Foundation
import Logging

/// The one STS call wheelhouse makes, AssumeRoleWithWebIdentity, in the AWS query protocol
/// on `AWSClient`. Unsigned: the web identity token is the proof.
struct STSClient: Sendable {
    let endpoint: URL
    let region: String
    let core: AWSClient

    init(
        endpoint: URL, region: String, transport: AWSTransport, retry: AWSRetryPolicy = AWSRetryPolicy(),
        requestTimeout: Duration = .seconds(30), logger: Logger = Logger(label: "wheelhouse.sts")
    ) {
        self.endpoint = endpoint
        self.region = region
        self.core = AWSClient(
            service: "STS", signingName: "sts", credentials: nil, requestTimeout: requestTimeout, retry: retry,
            transport: transport, logger: logger)
    }

    /// Temporary credentials for `roleARN`.
    func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String) async throws -> AWSCredentials {
        let operation = AWSOperation(service: "STS", name: "AssumeRoleWithWebIdentity", resource: roleARN)
        let request = AWSQueryCodec.request(
            url: endpoint, region: region, action: operation.name, version: "2011-06-15",
            parameters: [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)])
        return try await core.execute(
            operation, codec: AWSQueryCodec.self, request: { request },
            read: { response in
                let body = try await AWSClient.collect(response, limit: 1 << 20)
                guard let xml = AWSXMLElement.parse(body) else {
                    throw AWSClientError.invalidResponse(operation, message: "the answer is not XML")
                }
                guard let credentials = xml.first("AssumeRoleWithWebIdentityResult")?.child("Credentials"),
                    let id = credentials.text("AccessKeyId"), let secret = credentials.text("SecretAccessKey")
                else {
                    throw AWSClientError.invalidResponse(operation, message: "no credentials in the answer")
                }
                return AWSCredentials(
                    accessKeyId: id, secretAccessKey: secret, sessionToken: credentials.text("SessionToken"),
                    expiration: credentials.text("Expiration").flatMap(AWSDates.iso8601))
            })
    }
}
