public import AsyncHTTPClient

/// Asks providers in order and returns the first credentials found.
///
/// A provider that is not configured (`AWSConfigurationError.noCredentials`) passes to the
/// next; any other error (a half-set key pair, a missing named profile, an unreadable file)
/// stops the chain, so a misconfiguration is reported instead of silently using another
/// identity.
public struct AWSCredentialChain: CredentialProvider {
    public let providers: [any CredentialProvider]

    public init(_ providers: [any CredentialProvider]) {
        self.providers = providers
    }

    /// The sources in the SDKs' order (DESIGN.md §1): the environment, the profile files, web
    /// identity through STS, the container credentials endpoint, then EC2 instance metadata
    /// (IMDSv2).
    public static func standard(environment: [String: String], httpClient: HTTPClient = AWSHTTPClient.shared) -> AWSCredentialChain {
        AWSCredentialChain([
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(environment: environment),
            WebIdentityCredentialProvider(environment: environment, httpClient: httpClient),
            ContainerCredentialProvider(environment: environment, httpClient: httpClient),
            InstanceMetadataCredentialProvider(environment: environment, httpClient: httpClient),
        ])
    }

    public func credentials() async throws -> AWSCredentials {
        var tried: [String] = []
        for provider in providers {
            do {
                return try await provider.credentials()
            } catch AWSConfigurationError.noCredentials(let sources) {
                tried += sources
            }
        }
        throw AWSConfigurationError.noCredentials(tried: tried)
    }
}
