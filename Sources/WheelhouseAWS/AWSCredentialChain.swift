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

    /// The sources that need no network, in the SDKs' order: the environment, then the
    /// profile files. (Web identity, container and instance metadata credentials need the
    /// HTTP client and join the chain with it.)
    public static func standard(environment: [String: String]) -> AWSCredentialChain {
        AWSCredentialChain([
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(environment: environment),
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
