import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

enum S3TestClient {
    static let dummy = StaticCredentialProvider(
        AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey))

    static func make(
        endpoint: URL, credentials: any CredentialProvider = dummy, multipartThreshold: Int64 = S3Configuration.defaultMultipartThreshold,
        partSize: Int64 = 16 * 1024 * 1024, requestTimeout: Duration = .seconds(60), retry: AWSRetryPolicy = AWSRetryPolicy()
    ) -> S3Client {
        S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: endpoint, pathStyle: true, multipartThreshold: multipartThreshold,
                partSize: partSize, requestTimeout: requestTimeout, retry: retry),
            credentials: credentials)
    }
}

@Suite("S3Client against moto_server", .tags(.endToEnd), .skippedInFastTier)
struct S3ClientTests {
    @Test func addressingPathStyleVirtualHostedAndAWS() throws {
        let aws = S3Client(configuration: S3Configuration(region: "eu-west-1"), credentials: S3TestClient.dummy)
        #expect(aws.url(bucket: "b", key: "a b/c+d")?.absoluteString == "https://b.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd")
        #expect(aws.url(bucket: "with.dots", key: "k")?.absoluteString == "https://s3.eu-west-1.amazonaws.com/with.dots/k")
        let path = S3Client(
            configuration: S3Configuration(region: "eu-west-1", pathStyle: true), credentials: S3TestClient.dummy)
        #expect(path.url(bucket: "b", key: "k", query: [("uploads", "")])?.absoluteString == "https://s3.eu-west-1.amazonaws.com/b/k?uploads")
        let loopback = S3TestClient.make(endpoint: try #require(URL(string: "http://127.0.0.1:9000")))
        #expect(
            loopback.url(bucket: "b", key: nil, query: [("list-type", "2"), ("prefix", "a/é")])?.absoluteString
                == "http://127.0.0.1:9000/b/?list-type=2&prefix=a%2F%C3%A9")
        let custom = S3Client(
            configuration: S3Configuration(region: "us-east-1", endpoint: URL(string: "https://minio.example:9000")),
            credentials: S3TestClient.dummy)
        #expect(custom.url(bucket: "b", key: "k")?.absoluteString == "https://b.minio.example:9000/k")
    }

    @Test func putGetHeadRangeListDelete() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-basic")
        let client = S3TestClient.make(endpoint: moto.endpoint)
        let data = patternedData(count: 5000)
        let etag = try await client.putObject(bucket: bucket, key: "dir/a b+c", data: data, contentType: "application/zip")
        let head = try #require(try await client.headObject(bucket: bucket, key: "dir/a b+c"))
        #expect(head.etag == etag)
        #expect(head.size == 5000)
        #expect(head.lastModified != nil)

        let ranged = try await client.getObject(bucket: bucket, key: "dir/a b+c", range: 100...199)
        #expect(ranged.info.size == 5000)
        #expect(Data(try await ranged.body.collect(upTo: 1 << 20).readableBytesView) == data[100..<200])

        let listed = try await client.listAllObjects(bucket: bucket, prefix: "dir/")
        #expect(listed == [head])

        try await client.deleteObject(bucket: bucket, key: "dir/a b+c")
        try await client.deleteObject(bucket: bucket, key: "dir/a b+c")
        #expect(try await client.headObject(bucket: bucket, key: "dir/a b+c") == nil)
        await #expect {
            try await client.getObject(bucket: bucket, key: "dir/a b+c")
        } throws: { error in
            (error as? AWSClientError)?.status == 404 && (error as? AWSClientError)?.code == "NoSuchKey"
        }
    }

    @Test func conditionalWrites() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-conditions")
        let client = S3TestClient.make(endpoint: moto.endpoint)
        let first = try await client.putObject(bucket: bucket, key: "k", data: Data("1".utf8), condition: .ifAbsent)
        await #expect {
            try await client.putObject(bucket: bucket, key: "k", data: Data("2".utf8), condition: .ifAbsent)
        } throws: { error in
            guard case .preconditionFailed(let operation) = error as? AWSClientError else { return false }
            return operation.resource == "s3://\(bucket)/k" && operation.name == "PutObject"
        }
        let second = try await client.putObject(bucket: bucket, key: "k", data: Data("2".utf8), condition: .ifMatch(first))
        await #expect(throws: AWSClientError.self) {
            try await client.putObject(bucket: bucket, key: "k", data: Data("3".utf8), condition: .ifMatch(first))
        }
        #expect(try await client.headObject(bucket: bucket, key: "k")?.etag == second)
    }

    @Test func paginationFollowsContinuationTokens() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-pages")
        let client = S3TestClient.make(endpoint: moto.endpoint)
        let keys = (0..<23).map { String(format: "p/%03d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys { group.addTask { try await client.putObject(bucket: bucket, key: key, data: Data(key.utf8)) } }
            try await group.waitForAll()
        }
        let firstPage = try await client.listObjectsV2(bucket: bucket, prefix: "p/", maxKeys: 10)
        #expect(firstPage.objects.count == 10)
        #expect(firstPage.continuationToken != nil)
        #expect(try await client.listAllObjects(bucket: bucket, prefix: "p/", pageSize: 10).map(\.key) == keys)
    }

    @Test func multipartUploadInPartsWithConditions() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-multipart")
        let mib = 1024 * 1024
        let client = S3TestClient.make(endpoint: moto.endpoint, multipartThreshold: Int64(5 * mib), partSize: Int64(5 * mib))
        let directory = try TestSupport.makeTemporaryDirectory("s3-multipart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.whl")
        let data = patternedData(count: 12 * mib + 321)
        try data.write(to: file)

        let (etag, size) = try await client.putObject(bucket: bucket, key: "big.whl", contentsOf: file, condition: .ifAbsent)
        #expect(size == Int64(data.count))
        #expect(etag.hasSuffix("-3\""), "three parts: 5 MiB, 5 MiB and the rest (ETag \(etag))")
        let stored = try await client.getObject(bucket: bucket, key: "big.whl")
        #expect(Data(try await stored.body.collect(upTo: 20 * mib).readableBytesView) == data)

        // A condition that already fails is found before any part is sent.
        await #expect {
            try await client.putObject(bucket: bucket, key: "big.whl", contentsOf: file, condition: .ifAbsent)
        } throws: { error in
            if case .preconditionFailed = error as? AWSClientError { return true }
            return false
        }
        await #expect {
            try await client.putObject(bucket: bucket, key: "other.whl", contentsOf: file, condition: .ifMatch(etag))
        } throws: { error in
            if case .preconditionFailed = error as? AWSClientError { return true }
            return false
        }
        // Past the precheck (a writer got there meanwhile), CompleteMultipartUpload refuses
        // (If-None-Match) and the upload is aborted: no parts are left behind.
        await #expect {
            try await client.withReadHandle(file) { handle, size in
                try await client.uploadInParts(
                    bucket: bucket, key: "big.whl", handle: handle, size: size, contentType: nil, condition: .ifAbsent)
            }
        } throws: { error in
            if case .preconditionFailed = error as? AWSClientError { return true }
            return false
        }
        #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)
        #expect(try await client.headObject(bucket: bucket, key: "big.whl")?.etag == etag)
    }

    @Test func presignedGetURLFetchesTheObject() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-presign")
        let client = S3TestClient.make(endpoint: moto.endpoint)
        try await client.putObject(bucket: bucket, key: "a/b.whl", data: Data("wheel".utf8))
        let url = try await client.presignedGetURL(bucket: bucket, key: "a/b.whl", expires: .seconds(300))
        #expect(url.query?.contains("X-Amz-Signature=") == true)
        #expect(url.query?.contains("X-Amz-Expires=300") == true)
        let (data, response) = try await HTTP.get(url.absoluteString)
        #expect(response.statusCode == 200)
        #expect(data == Data("wheel".utf8))
    }

    @Test func retriesThrottlingThenSucceeds() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-retry")
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 3, mode: "503")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let client = S3TestClient.make(
            endpoint: proxy.endpoint, retry: AWSRetryPolicy(clock: sleeps, random: { 1 }))
        let etag = try await client.putObject(bucket: bucket, key: "k", data: Data("after faults".utf8))
        #expect(sleeps.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        #expect(try await client.headObject(bucket: bucket, key: "k")?.etag == etag)
    }

    @Test func retriesDroppedConnections() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-drop")
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 2, mode: "drop")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let client = S3TestClient.make(endpoint: proxy.endpoint, retry: AWSRetryPolicy(clock: sleeps))
        try await client.putObject(bucket: bucket, key: "k", data: Data("x".utf8))
        #expect(sleeps.sleeps.count == 2)
    }

    @Test func retriesTimeouts() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-timeout")
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 1, mode: "hang")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let client = S3TestClient.make(
            endpoint: proxy.endpoint, requestTimeout: .seconds(3), retry: AWSRetryPolicy(clock: sleeps))
        try await client.putObject(bucket: bucket, key: "k", data: Data("x".utf8))
        // The hung first attempt is retried; on a busy machine a later attempt may time out too.
        #expect(sleeps.sleeps.count >= 1)
        #expect(try await client.headObject(bucket: bucket, key: "k")?.size == 1)
    }

    @Test func pastTheRetryBudgetTheErrorIsClear() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("client-budget")
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 1000, mode: "503")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let client = S3TestClient.make(endpoint: proxy.endpoint, retry: AWSRetryPolicy(maxAttempts: 4, clock: sleeps))
        do {
            try await client.putObject(bucket: bucket, key: "k", data: Data("x".utf8))
            Issue.record("expected the request to fail")
        } catch let error as AWSClientError {
            guard case .service(let service) = error else {
                Issue.record("expected a service error, got \(error)")
                return
            }
            #expect(service.status == 503)
            #expect(service.code == "SlowDown")
            #expect(service.attempts == 4)
            #expect(
                error.description
                    == "S3 PutObject of s3://\(bucket)/k failed: HTTP 503 SlowDown: Please reduce your request rate. (request id FAULT) after 4 attempts")
        }
        #expect(sleeps.sleeps.count == 3)
    }

    @Test func fourHundredsAreNotRetried() async throws {
        let moto = try await MotoServer.shared()
        let sleeps = TestClock()
        let client = S3TestClient.make(endpoint: moto.endpoint, retry: AWSRetryPolicy(clock: sleeps))
        await #expect {
            try await client.putObject(bucket: "no-such-bucket-\(UUID().uuidString.lowercased().prefix(8))", key: "k", data: Data())
        } throws: { error in
            (error as? AWSClientError)?.status == 404 && (error as? AWSClientError)?.code == "NoSuchBucket"
        }
        #expect(sleeps.sleeps.isEmpty)
    }

    @Test func signaturesAreCheckedWhenMotoAuthIsOn() async throws {
        let moto = try await MotoServer.start()
        defer { Task { await moto.stop() } }
        let bucket = try await moto.makeBucket("client-auth")
        let key = try await moto.enableAuthentication()
        let right = S3TestClient.make(
            endpoint: moto.endpoint,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey)))
        let wrong = S3TestClient.make(
            endpoint: moto.endpoint,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: "wrong" + key.secretAccessKey)))

        let etag = try await right.putObject(bucket: bucket, key: "signed/a b.txt", data: Data("signed".utf8))
        #expect(try await right.headObject(bucket: bucket, key: "signed/a b.txt")?.etag == etag)
        #expect(try await right.listAllObjects(bucket: bucket, prefix: "signed/").count == 1)
        let (unsigned, response) = try await moto.request("GET", "/\(bucket)/signed/a%20b.txt")
        #expect(response.statusCode == 403, "\(String(decoding: unsigned, as: UTF8.self))")

        await #expect {
            try await wrong.putObject(bucket: bucket, key: "signed/b", data: Data("x".utf8))
        } throws: { error in
            (error as? AWSClientError)?.status == 403 && (error as? AWSClientError)?.code == "SignatureDoesNotMatch"
        }
    }
}
