/// Credentials given directly (tests, or keys a caller already holds).
public struct StaticCredentialProvider: CredentialProvider {
    public let value: AWSCredentials

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func credentials() async throws -> AWSCredentials { value }
}
