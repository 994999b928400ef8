public import Foundation

/// A custom endpoint for a service (MinIO, moto, a VPC endpoint), from the SDKs' settings in
/// their order of precedence:
/// 1. `AWS_ENDPOINT_URL_<SERVICE>` (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SSM`),
/// 2. `AWS_ENDPOINT_URL`,
/// 3. the profile's `services` section, e.g. `[services local]` with `s3 =` / `  endpoint_url = ...`,
/// 4. the profile's `endpoint_url`.
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or the profile's
/// `ignore_configured_endpoint_urls = true`) turns all of them off.
public struct AWSEndpointResolver: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The configured endpoint for `service` (the SDK service id: `s3`, `ssm`), or `nil` for
    /// the service's standard AWS endpoint.
    public func endpoint(for service: String) throws(AWSConfigurationError) -> URL? {
        let config = try AWSSharedConfig.load(environment: environment)
        let profileName = AWSSharedConfig.profileName(environment: environment)
        let profile = config.profile(profileName) ?? [:]
        if isTrue(environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"])
            || isTrue(profile["ignore_configured_endpoint_urls"])
        {
            return nil
        }
        let serviceKey = service.lowercased().replacingOccurrences(of: " ", with: "_")
            .replacingOccurrences(of: "-", with: "_")
        let variable = "AWS_ENDPOINT_URL_" + serviceKey.uppercased()
        var candidates: [(source: String, value: String?)] = [
            (variable, environment[variable]),
            ("AWS_ENDPOINT_URL", environment["AWS_ENDPOINT_URL"]),
        ]
        if let servicesName = profile["services"], let section = config.services[servicesName],
            let nested = section[serviceKey]
        {
            candidates.append(
                (
                    "endpoint_url for \(serviceKey) in [services \(servicesName)]",
                    AWSSharedConfig.nested(nested)["endpoint_url"]
                ))
        }
        candidates.append(("endpoint_url of profile \(profileName)", profile["endpoint_url"]))

        for (source, value) in candidates {
            guard let value, !value.isEmpty else { continue }
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host(percentEncoded: false)?.isEmpty == false
            else { throw .invalidEndpoint(source: source, value: value) }
            return url
        }
        return nil
    }

    private func isTrue(_ value: String?) -> Bool {
        value?.lowercased() == "true"
    }
}
