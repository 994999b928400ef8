import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS
import NIOCore
import AsyncHTTPClient

@Suite(.tags(.endToEnd), .skippedInFastTier) struct S3ClientBatchTests {
    @Test func copyObjectCopiesAcrossBuckets() async throws {
        let moto = try await MotoServer.shared()
        let client = S3TestClient.make(endpoint: moto.endpoint)
        let source = try await moto.makeBucket("copy-source")
        let target = try await moto.makeBucket("copy-target")
        let key = "packages/demo/demo-1.0+local build-py3-none-any.whl"
        let etag = try await client.putObject(bucket: source, key: key, data: Data("wheel bytes".utf8))

        let copied = try await client.copyObject(from: (source, key), to: target, key: key)
        #expect(copied == etag, "a copy of a single-part object has the same MD5 ETag")
        let output = try await client.getObject(bucket: target, key: key)
        #expect(Data(try await output.body.collect(upTo: 1 << 20).readableBytesView) == Data("wheel bytes".utf8))

        // A missing source is a typed 404.
        await #expect {
            try await client.copyObject(from: (source, "missing"), to: target, key: "x")
        } throws: { error in
            (error as? AWSClientError)?.status == 404
        }
    }

    @Test func deleteObjectsDeletesInBatchesOfAThousand() async throws {
        let moto = try await MotoServer.shared()
        let client = S3TestClient.make(endpoint: moto.endpoint)
        let bucket = try await moto.makeBucket("delete-batch")
        let keys = (0..<1003).map { "many/k\($0)&<x>" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: keys.count, by: 100) {
                group.addTask {
                    for key in keys[chunk..<min(chunk + 100, keys.count)] {
                        _ = try await client.putObject(bucket: bucket, key: key, data: Data("x".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        try await client.putObject(bucket: bucket, key: "keep/me", data: Data("y".utf8))
        #expect(try await client.listAllObjects(bucket: bucket, prefix: "many/").count == 1003)

        let failures = try await client.deleteObjects(bucket: bucket, keys: keys + ["many/never-existed"])
        #expect(failures.isEmpty)
        #expect(try await client.listAllObjects(bucket: bucket, prefix: "many/").isEmpty)
        #expect(try await client.listAllObjects(bucket: bucket, prefix: "keep/").count == 1)
    }
}
