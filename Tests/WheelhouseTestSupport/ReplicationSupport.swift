public import Foundation

/// Helpers for the replication tests: buckets in several regions on one moto server, store URLs
/// for the CLI, the emulator's request count, many small wheels at once, and a server on an S3 store.
public enum ReplicationSupport {
    /// The environment the `wheelhouse` CLI needs to reach moto: its dummy keys and no profile.
    public static var awsEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": MotoServer.dummyAccessKeyId, "AWS_SECRET_ACCESS_KEY": MotoServer.dummySecretAccessKey,
            "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// `make_many_dists.py`: `projects` × `versions` small wheels named `{prefix}-{i}` 1.K.
    public static func makeManyWheels(
        in directory: URL, projects: Int, versions: Int, prefix: String = "rep", startVersion: Int = 0, payload: Int = 0
    ) async throws -> Int {
        let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/make_many_dists.py").path
        let result = try await ProcessRunner.check(
            TestSupport.python,
            [
                script, directory.path, "\(projects)", "\(versions)", "--prefix", prefix, "--start-version", "\(startVersion)",
                "--payload", "\(payload)",
            ])
        return Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Runs the `wheelhouse` binary with moto's credentials.
    public static func wheelhouse(_ arguments: [String], timeout: Duration = .seconds(600)) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, arguments, environment: awsEnvironment, timeout: timeout)
    }

    /// Starts the `wheelhouse` binary without waiting for it (for the kill and watch tests).
    public static func spawnWheelhouse(_ arguments: [String], log: URL, environment: [String: String] = awsEnvironment) throws -> ChildProcess {
        try ChildProcess(
            Products.wheelhouse, arguments, environment: ProcessRunner.environment(environment), currentDirectory: nil,
            stdin: nil, stdout: log, stderr: log)
    }
}

extension MotoServer {
    /// A new bucket in `region` (with its `LocationConstraint`, as S3 wants outside us-east-1).
    public func makeBucket(_ label: String, region: String) async throws -> String {
        let cleaned = label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let name = String(String(cleaned).prefix(40)) + "-" + UUID().uuidString.lowercased().prefix(8)
        let body =
            region == "us-east-1"
            ? nil
            : Data("<CreateBucketConfiguration><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        let (data, response) = try await request("PUT", "/\(name)", body: body)
        guard response.statusCode == 200 else {
            throw ProcessFailure(
                command: "create bucket \(name) in \(region)",
                result: ProcessResult(status: Int32(response.statusCode), stdout: data, stderr: Data()))
        }
        return name
    }

    /// The `--store` URL of `bucket` on this server (or on `endpoint`, e.g. a fault proxy).
    public func storeURL(bucket: String, region: String, endpoint: URL? = nil) -> String {
        let endpoint = (endpoint ?? self.endpoint).absoluteString
        return "s3://\(bucket)?region=\(region)&endpoint=\(endpoint)&path-style=true"
    }

    /// Requests the server has logged so far whose path is in `bucket` (werkzeug's access log
    /// line `"METHOD /bucket/key HTTP/1.1" status`).
    public func requestCount(bucket: String) -> Int {
        String(decoding: log, as: UTF8.self).split(separator: "\n").filter { line in
            line.contains(" /\(bucket)/") || line.contains(" /\(bucket)?") || line.contains(" /\(bucket) ")
        }.count
    }
}
