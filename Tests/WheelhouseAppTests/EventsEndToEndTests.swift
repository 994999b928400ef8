import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
import WheelhouseTestSupport
import NIOHTTP1
import NIOFoundationEssentialsCompat

/// A webhook receiver on 127.0.0.1, in the test process: checks each delivery's HMAC, answers
/// the first `failFirst` attempts of each event 500, and records what it accepted. `/hang`
/// never answers.
final class WebhookReceiver: Sendable {
    struct Accepted: Sendable {
        var headers: [String: String]
        var body: Data
        var json: [String: any Sendable]
    }

    struct State: Sendable {
        var attempts: [String: Int] = [:]
        var accepted: [Accepted] = []
        var problems: [String] = []
    }

    let port: Int
    let secret: [UInt8]
    let failFirst: Int
    let state = Mutex(State())
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var hangURL: String { "http://127.0.0.1:\(port)/hang" }
    var accepted: [Accepted] { state.withLock { $0.accepted } }
    var problems: [String] { state.withLock { $0.problems } }
    var attempts: [String: Int] { state.withLock { $0.attempts } }

    init(secret: [UInt8], failFirst: Int) async throws {
        self.port = try freeLoopbackPort()
        self.secret = secret
        self.failFirst = failFirst
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            return self.receive(headers: request.headers, body: body)
        }
        router.post("/hang") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3600))
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        task.withLock { $0 = Task { try await app.run() } }
        try await poll("the webhook receiver to listen", timeout: .seconds(20)) {
            (try? await HTTP.request("POST", "http://127.0.0.1:\(self.port)/ping", timeout: 2)) != nil
        }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    func receive(headers: HTTPFields, body: Data) -> Response {
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
        let expected =
            "sha256="
            + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
            .map { String(format: "%02x", $0) }.joined()
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable] ?? [:]
        let id = header("X-Wheelhouse-Delivery") ?? ""
        return state.withLock { state in
            guard header("X-Wheelhouse-Signature") == expected else {
                state.problems.append("bad signature on \(id): \(header("X-Wheelhouse-Signature") ?? "none")")
                return Response(status: .unauthorized)
            }
            guard id == json["id"] as? String, header("X-Wheelhouse-Event") == json["type"] as? String,
                header("Content-Type") == "application/json", Int(header("X-Wheelhouse-Timestamp") ?? "") != nil
            else {
                state.problems.append("headers do not match the body: \(headers) \(String(decoding: body, as: UTF8.self))")
                return Response(status: .badRequest)
            }
            state.attempts[id, default: 0] += 1
            if state.attempts[id, default: 0] <= failFirst { return Response(status: .internalServerError) }
            var fields: [String: String] = [:]
            for field in headers { fields[field.name.canonicalName] = field.value }
            state.accepted.append(Accepted(headers: fields, body: body, json: json))
            return Response(status: .noContent)
        }
    }
}

/// `--webhook` and `--events-sns-topic` on `serve` and the commands that change the store.
@Suite("store events: webhooks and SNS", .tags(.endToEnd), .skippedInFastTier)
struct EventsEndToEndTests {
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, arguments, environment: environment, timeout: .seconds(300))
    }

    @Test func everyChangeIsDeliveredOnceSignedThoughTheReceiverFailsTwice() async throws {
        let work = try TestSupport.makeTemporaryDirectory("events-webhook")
        let secret = Array("s3cr3t-\(UUID().uuidString)".utf8)
        let secretFile = work.appendingPathComponent("secret")
        try Data(secret + [UInt8(ascii: "\n")]).write(to: secretFile)
        let receiver = try await WebhookReceiver(secret: secret, failFirst: 2)
        defer { receiver.stop() }
        // The receiver runs in this test process, beside every other suite: a generous wait, so
        // a busy machine slows the three attempts but cannot make a command exit before them.
        let hook = ["--webhook", receiver.url, "--webhook-secret-file", secretFile.path, "--events-wait", "60s"]

        let store = work.appendingPathComponent("store").path
        let dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
        let first = try WheelBuilder.make("demo", "1.0", in: dists)
        let second = try WheelBuilder.make("demo", "2.0", in: dists)
        let third = try WheelBuilder.make("demo", "3.0", in: work)

        // Two uploads through the server: delivered by its event service.
        let server = try await ServerProcess.start(storeURL: store, extraArguments: ["--tokens-required-for", "none"] + hook)
        let uploaded = try await Self.run(["upload", "--repository-url", server.uploadURL, first.path, second.path])
        #expect(uploaded.succeeded, "\(uploaded.stderrText)")
        // An identical re-upload changes nothing and announces nothing.
        let again = try await Self.run(["upload", "--repository-url", server.uploadURL, first.path])
        #expect(again.succeeded, "\(again.stderrText)")
        try await poll("the server's two upload events", timeout: .seconds(60)) { receiver.accepted.count >= 2 }
        _ = await server.stop()

        // The commands wait for their events before they exit: each is there when it returns.
        for (arguments, type) in [
            (["upload", "--store", store, third.path], "upload"),
            (["yank", "--store", store, "demo", "1.0", "--reason", "broken <b>"], "yank"),
            (["unyank", "--store", store, "demo", "1.0"], "unyank"),
            (["prune", "--store", store, "--keep-latest", "1", "--grace", "0s"], "prune"),
        ] {
            let before = receiver.accepted.count
            let result = try await Self.run(arguments + hook)
            #expect(result.succeeded, "\(arguments): \(result.stderrText)")
            #expect(receiver.accepted.count == before + 1, "\(arguments)")
            #expect(receiver.accepted.last?.json["type"] as? String == type)
        }
        // A manifest written to SSM (moto) is announced; publishing the same value again is not.
        let moto = try await MotoServer.shared()
        var environment = TestStore.awsEnvironment
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_ENDPOINT_URL_SSM"] = moto.endpointString
        let parameter = "/wheelhouse-tests/events/\(UUID().uuidString.prefix(8))"
        for _ in 0..<2 {
            let published = try await Self.run(
                ["manifest", "publish", "--store", store, "--uri-base", "s3://glue-bucket/wheels", "--parameter", parameter, "demo"] + hook,
                environment: environment)
            #expect(published.succeeded, "\(published.stderrText)")
        }
        let manifest = try #require(receiver.accepted.last)
        #expect(manifest.json["type"] as? String == "manifest.publish")
        let publication = try #require(manifest.json["manifest"] as? [String: Any])
        #expect(publication["parameter"] as? String == parameter)
        #expect(publication["region"] as? String == "us-east-1")
        #expect(publication["wheels"] as? Int == 1)
        #expect(publication["version"] as? Int == 1)

        // Nothing more arrives later: no duplicate of a retried event.
        try await Task.sleep(for: .seconds(2))
        let accepted = receiver.accepted
        #expect(receiver.problems.isEmpty, "\(receiver.problems)")
        #expect(accepted.map { $0.json["type"] as? String ?? "" }.sorted() == ["manifest.publish", "prune", "unyank", "upload", "upload", "upload", "yank"])
        let ids = accepted.compactMap { $0.json["id"] as? String }
        #expect(Set(ids).count == 7, "every event once")
        #expect(receiver.attempts.values.allSatisfy { $0 == 3 }, "two 500s, then accepted: \(receiver.attempts)")
        for event in accepted {
            #expect(event.json["schema"] as? Int == 1)
            #expect(event.json["project"] as? String == (event.json["type"] as? String == "manifest.publish" ? nil : "demo"))
            #expect((event.json["store"] as? String)?.contains("store") == true)
            #expect((event.json["time"] as? String)?.hasSuffix("Z") == true)
        }
        let uploads = accepted.filter { $0.json["type"] as? String == "upload" }
        let uploadedFiles = uploads.compactMap { (($0.json["files"] as? [[String: Any]])?.first?["filename"]) as? String }
        #expect(Set(uploadedFiles) == ["demo-1.0-py3-none-any.whl", "demo-2.0-py3-none-any.whl", "demo-3.0-py3-none-any.whl"])
        let yank = try #require(accepted.first { $0.json["type"] as? String == "yank" })
        #expect(yank.json["version"] as? String == "1.0")
        #expect(yank.json["reason"] as? String == "broken <b>")
        let prune = try #require(accepted.first { $0.json["type"] as? String == "prune" })
        #expect(prune.json["removed_versions"] as? [String] == ["1.0", "2.0"])
        #expect(((prune.json["files"] as? [[String: Any]])?.count) == 2)
        #expect(((prune.json["kept_versions"] as? [[String: Any]])?.first?["version"]) as? String == "3.0")
    }

    @Test func aDeadReceiverDoesNotSlowUploads() async throws {
        let work = try TestSupport.makeTemporaryDirectory("events-dead")
        let receiver = try await WebhookReceiver(secret: Array("x".utf8), failFirst: 0)
        defer { receiver.stop() }
        let refused = "http://127.0.0.1:\(try freeLoopbackPort())/hook"
        let dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
        var wheels: [URL] = []
        for index in 0..<8 { wheels.append(try WheelBuilder.make("dead\(index)", "1.0", in: dists)) }

        // The same uploads to a server without events and to one whose receivers are dead.
        let plain = try await ServerProcess.start(storeURL: work.appendingPathComponent("plain").path, extraArguments: ["--tokens-required-for", "none"])
        let dead = try await ServerProcess.start(
            storeURL: work.appendingPathComponent("dead").path,
            extraArguments: ["--tokens-required-for", "none", "--webhook", refused, "--webhook", receiver.hangURL])
        func timedUploads(_ server: ServerProcess) async throws -> Duration {
            let clock = ContinuousClock()
            let started = clock.now
            for wheel in wheels {
                let result = try await Self.run(["upload", "--repository-url", server.uploadURL, wheel.path])
                #expect(result.succeeded, "\(result.stderrText)")
            }
            return clock.now - started
        }
        let withoutEvents = try await timedUploads(plain)
        let withDeadReceivers = try await timedUploads(dead)
        _ = await plain.stop()
        let stopping = ContinuousClock.now
        _ = await dead.stop()
        let shutdown = ContinuousClock.now - stopping
        print("uploads of \(wheels.count) files: \(withoutEvents) without events, \(withDeadReceivers) with two dead receivers; shutdown \(shutdown)")
        // Generous: the dead receivers may not make uploads noticeably slower.
        #expect(withDeadReceivers < withoutEvents * 2 + .seconds(5), "\(withDeadReceivers) vs \(withoutEvents)")
        // At shutdown the queued events get the drain time (--events-wait, 10 s), no more.
        #expect(shutdown < .seconds(40), "\(shutdown)")

        // A command waits for its events at most --events-wait, then says what was lost.
        let clock = ContinuousClock()
        let started = clock.now
        let upload = try await Self.run(
            ["upload", "--store", work.appendingPathComponent("cli").path, "--webhook", receiver.hangURL, "--events-wait", "1s", wheels[0].path])
        let waited = clock.now - started
        #expect(upload.succeeded, "\(upload.stderrText)")
        #expect(upload.stderrText.contains("event deliveries failed"), "\(upload.stderrText)")
        #expect(waited < .seconds(20), "\(waited)")
    }

    @Test func eventsArePublishedToSNS() async throws {
        let work = try TestSupport.makeTemporaryDirectory("events-sns")
        let moto = try await MotoServer.shared()
        let script = work.appendingPathComponent("sns.py")
        try Data(
            """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
            sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
            if sys.argv[2] == "setup":
                topic = sns.create_topic(Name="wh-" + sys.argv[3])["TopicArn"]
                queue = sqs.create_queue(QueueName="wh-" + sys.argv[3])["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
                print(json.dumps({"topic": topic, "queue": queue}))
            else:
                answer = sqs.receive_message(QueueUrl=sys.argv[3], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
                print(json.dumps([
                    {"body": m["Body"], "attributes": {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()}}
                    for m in answer.get("Messages", [])]))
            """.utf8
        ).write(to: script)
        let label = String(UUID().uuidString.prefix(8)).lowercased()
        let setup = try await ProcessRunner.check(TestSupport.python, [script.path, moto.endpointString, "setup", label])
        let names = try #require(try JSONSerialization.jsonObject(with: setup.stdout) as? [String: String])
        let topic = try #require(names["topic"])
        let queue = try #require(names["queue"])

        let wheel = try WheelBuilder.make("snsdemo", "1.0", in: work)
        var environment = TestStore.awsEnvironment
        environment["AWS_ENDPOINT_URL_SNS"] = moto.endpointString
        let upload = try await Self.run(
            ["upload", "--store", work.appendingPathComponent("store").path, "--events-sns-topic", topic, wheel.path], environment: environment)
        #expect(upload.succeeded, "\(upload.stderrText)")
        #expect(!upload.stderrText.contains("failed"), "\(upload.stderrText)")

        var messages: [[String: Any]] = []
        try await poll("the event in the queue", timeout: .seconds(30), interval: .milliseconds(200)) {
            let read = try await ProcessRunner.check(TestSupport.python, [script.path, moto.endpointString, "read", queue])
            messages += try JSONSerialization.jsonObject(with: read.stdout) as? [[String: Any]] ?? []
            return !messages.isEmpty
        }
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        let body = try #require((message["body"] as? String).map { Data($0.utf8) })
        let event = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(event["type"] as? String == "upload")
        #expect(event["schema"] as? Int == 1)
        #expect(event["project"] as? String == "snsdemo")
        #expect(((event["files"] as? [[String: Any]])?.first?["filename"]) as? String == "snsdemo-1.0-py3-none-any.whl")
        #expect(message["attributes"] as? [String: String] == ["type": "upload", "project": "snsdemo"])
    }
}
