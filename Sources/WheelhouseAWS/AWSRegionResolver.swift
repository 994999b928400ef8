/// The region to use when the command line and store URL do not name one: `AWS_REGION`,
/// then `AWS_DEFAULT_REGION`, then the `region` of the profile (`AWS_PROFILE` or `default`)
/// in the shared files, the order of the AWS SDKs.
public struct AWSRegionResolver: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The configured region, or `nil` when none is configured anywhere.
    public func region() throws(AWSConfigurationError) -> String? {
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = environment[variable], !region.isEmpty { return region }
        }
        let config = try AWSSharedConfig.load(environment: environment)
        let name = AWSSharedConfig.profileName(environment: environment)
        guard let profile = config.profile(name) else {
            if AWSSharedConfig.profileIsExplicit(environment: environment) {
                throw .profileNotFound(profile: name, files: config.files)
            }
            return nil
        }
        guard let region = profile["region"], !region.isEmpty else { return nil }
        return region
    }
}
