/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// (or the older `AWS_SECURITY_TOKEN`). Empty variables count as unset, as in botocore.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let environment: [String: String]

    /// `environment` is injected (normally `ProcessInfo.processInfo.environment`).
    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() throws(AWSConfigurationError) -> AWSCredentials {
        let accessKeyId = value("AWS_ACCESS_KEY_ID")
        let secretAccessKey = value("AWS_SECRET_ACCESS_KEY")
        switch (accessKeyId, secretAccessKey) {
        case (nil, nil):
            throw .noCredentials(tried: ["environment"])
        case (_?, nil):
            throw .partialCredentials(source: "the environment", missing: "AWS_SECRET_ACCESS_KEY")
        case (nil, _?):
            throw .partialCredentials(source: "the environment", missing: "AWS_ACCESS_KEY_ID")
        case (let id?, let secret?):
            return AWSCredentials(
                accessKeyId: id, secretAccessKey: secret,
                sessionToken: value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN"))
        }
    }

    private func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
