import Foundation

/// A source of AWS credentials: the environment, the shared profile files, and later the
/// web identity, container and instance metadata endpoints.
public protocol CredentialProvider: Sendable {
    /// The credentials this source holds now. Throws `AWSConfigurationError.noCredentials`
    /// when the source is simply not configured, so a chain can move on to the next one;
    /// any other error means the source is configured but broken, and stops the chain.
    func credentials() async throws -> AWSCredentials
}

/// What is wrong with the AWS credentials or settings a user gave. Messages name the
/// variable, file or profile to fix; they never contain a secret.
public enum AWSConfigurationError: Error, Equatable, CustomStringConvertible {
    /// No source had credentials; `tried` lists the sources in the order they were asked.
    case noCredentials(tried: [String])
    /// A source has part of a key pair, e.g. `AWS_ACCESS_KEY_ID` without `AWS_SECRET_ACCESS_KEY`.
    case partialCredentials(source: String, missing: String)
    /// `AWS_PROFILE` (or an explicit profile) names a profile neither file has.
    case profileNotFound(profile: String, files: [String])
    /// The profile gets credentials in a way this client does not implement.
    case unsupportedProfile(profile: String, setting: String)
    case unreadableFile(path: String, reason: String)
    case malformedFile(path: String, line: Int, message: String)
    /// An endpoint setting that is not an absolute http(s) URL.
    case invalidEndpoint(source: String, value: String)

    public var description: String {
        switch self {
        case .noCredentials(let tried):
            "no AWS credentials found (tried: \(tried.joined(separator: ", "))); set AWS_ACCESS_KEY_ID "
                + "and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials"
        case .partialCredentials(let source, let missing):
            "incomplete AWS credentials in \(source): \(missing) is missing"
        case .profileNotFound(let profile, let files):
            "AWS profile '\(profile)' not found in \(files.joined(separator: " or "))"
        case .unsupportedProfile(let profile, let setting):
            "AWS profile '\(profile)' uses '\(setting)', which wheelhouse does not support; "
                + "give the profile aws_access_key_id and aws_secret_access_key, or use environment credentials"
        case .unreadableFile(let path, let reason):
            "cannot read AWS configuration file \(path): \(reason)"
        case .malformedFile(let path, let line, let message):
            "\(path), line \(line): \(message)"
        case .invalidEndpoint(let source, let value):
            "\(source) must be an absolute http:// or https:// URL, not '\(value)'"
        }
    }
}
