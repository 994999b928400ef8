public import Foundation

/// The kinds of store an end-to-end suite runs against.
public enum TestStoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A local directory.
    case local
    /// A bucket on `moto_server` (one request at a time, so its conditional writes are atomic as S3's are).
    case s3

    public var description: String { rawValue }
}

/// A fresh store for one test: a `--store` value, the environment the `wheelhouse` processes
/// need to reach it, and raw access to its objects for assertions.
public struct TestStore: Sendable {
    public let kind: TestStoreKind
    /// What `--store` takes.
    public let url: String
    /// For a local store, its directory.
    public let root: URL?
    public let moto: MotoServer?
    public let bucket: String?

    /// Dummy credentials for moto, and no instance-metadata lookups, for every `wheelhouse` child.
    public static let awsEnvironment: [String: String] = [
        "AWS_ACCESS_KEY_ID": MotoServer.dummyAccessKeyId,
        "AWS_SECRET_ACCESS_KEY": MotoServer.dummySecretAccessKey,
        "AWS_EC2_METADATA_DISABLED": "true",
    ]

    public static func make(_ kind: TestStoreKind, in work: URL, label: String = "e2e") async throws -> TestStore {
        switch kind {
        case .local:
            let root = work.appendingPathComponent("store")
            return TestStore(kind: kind, url: root.path, root: root, moto: nil, bucket: nil)
        case .s3:
            let moto = try await MotoServer.sharedSerialized()
            let bucket = try await moto.makeBucket(label)
            return TestStore(
                kind: kind, url: "s3://\(bucket)/index?region=us-east-1&endpoint=\(moto.endpointString)",
                root: nil, moto: moto, bucket: bucket)
        }
    }

    public var environment: [String: String] { Self.awsEnvironment }

    /// moto refuses anonymous requests to a private bucket; with its authentication off any
    /// signature-shaped header passes.
    static let dummyAuthorization =
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"

    /// The bytes of `key` (a store key such as `packages/x/x-1.0-py3-none-any.whl`), or nil when absent.
    public func object(_ key: String) async throws -> Data? {
        if let root {
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(key).path)
                ? try Data(contentsOf: root.appendingPathComponent(key)) : nil
        }
        guard let moto, let bucket else { return nil }
        let (data, response) = try await moto.request(
            "GET", "/\(bucket)/index/\(key)",
            headers: ["Authorization": Self.dummyAuthorization])
        return response.statusCode == 200 ? data : nil
    }

    /// Removes the object under `key` behind Wheelhouse's back (to damage a store on purpose).
    public func delete(_ key: String) async throws {
        if let root {
            try FileManager.default.removeItem(at: root.appendingPathComponent(key))
            return
        }
        guard let moto, let bucket else { return }
        _ = try await moto.request("DELETE", "/\(bucket)/index/\(key)", headers: ["Authorization": Self.dummyAuthorization])
    }

    /// Every key in the store with its bytes (to prove a failed operation changed nothing).
    public func snapshot() async throws -> [String: Data] {
        if let root {
            return Dictionary(uniqueKeysWithValues: try DistFixtures.treeSnapshot(root).map { (String($0.key.drop { $0 == "/" }), $0.value) })
        }
        guard let moto, let bucket else { return [:] }
        let script = """
            import base64, boto3, json, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
            out = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[2], Prefix="index/"):
                for o in page.get("Contents", []):
                    body = s3.get_object(Bucket=sys.argv[2], Key=o["Key"])["Body"].read()
                    out[o["Key"][len("index/"):]] = base64.b64encode(body).decode()
            print(json.dumps(out))
            """
        let result = try await ProcessRunner.check(TestSupport.python, ["-c", script, moto.endpointString, bucket])
        let encoded = (try JSONSerialization.jsonObject(with: result.stdout) as? [String: String]) ?? [:]
        return encoded.compactMapValues { Data(base64Encoded: $0) }
            .filter { !$0.key.hasPrefix("_wheelhouse/locks/") && !$0.key.hasPrefix("_wheelhouse/tmp/") }
    }
}
