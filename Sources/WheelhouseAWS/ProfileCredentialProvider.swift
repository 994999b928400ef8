/// Static keys from a profile of the shared files: `aws_access_key_id`,
/// `aws_secret_access_key`, `aws_session_token`. The credentials file is asked first, then the
/// config file, as botocore does. The files are read on every call; wrap the provider in a
/// `CachingCredentialProvider` to read them once.
public struct ProfileCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    public let profile: String?

    /// `profile` overrides `AWS_PROFILE`; the file locations come from `environment`.
    public init(environment: [String: String], profile: String? = nil) {
        self.environment = environment
        self.profile = profile
    }

    /// Settings that obtain credentials by other means (roles, SSO, external processes).
    static let unsupportedSettings = [
        "role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file",
    ]

    public func credentials() throws(AWSConfigurationError) -> AWSCredentials {
        let name = profile ?? AWSSharedConfig.profileName(environment: environment)
        let explicit = profile != nil || AWSSharedConfig.profileIsExplicit(environment: environment)
        let config = try AWSSharedConfig.load(environment: environment)
        let source = "profile \(name)"
        guard let merged = config.profile(name) else {
            if explicit { throw .profileNotFound(profile: name, files: config.files) }
            throw .noCredentials(tried: [source])
        }
        // botocore asks these providers before static keys; using the keys instead would
        // silently act as another identity.
        if let setting = Self.unsupportedSettings.first(where: { merged[$0] != nil }) {
            throw .unsupportedProfile(profile: name, setting: setting)
        }

        for (file, section) in zip(config.files, [config.credentialsProfiles[name], config.configProfiles[name]]) {
            guard let section else { continue }
            let id = section["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
            let secret = section["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
            switch (id, secret) {
            case (nil, nil):
                continue
            case (_?, nil):
                throw .partialCredentials(source: "\(source) of \(file)", missing: "aws_secret_access_key")
            case (nil, _?):
                throw .partialCredentials(source: "\(source) of \(file)", missing: "aws_access_key_id")
            case (let id?, let secret?):
                let token = section["aws_session_token"] ?? section["aws_security_token"]
                return AWSCredentials(
                    accessKeyId: id, secretAccessKey: secret, sessionToken: token.flatMap { $0.isEmpty ? nil : $0 })
            }
        }
        throw .noCredentials(tried: [source])
    }
}
