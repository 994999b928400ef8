import ArgumentParser
import Foundation
import Logging
import WheelhouseApp
import WheelhouseAWS

/// `--webhook`, `--webhook-secret-file`, `--events-sns-topic`: where the commands that change
/// the store announce each change (docs/events.md).
struct EventOptions: ParsableArguments {
    @Option(
        name: .customLong("webhook"),
        help: ArgumentHelp("POST a JSON event for each change of the store to this URL (repeatable; docs/events.md).", valueName: "url"))
    var webhooks: [String] = []

    @Option(
        name: .customLong("webhook-secret-file"),
        help: ArgumentHelp(
            "A file holding the secret webhook events are signed with (HMAC-SHA256 of the body, header X-Wheelhouse-Signature).", valueName: "path"))
    var webhookSecretFile: String?

    @Option(
        name: .customLong("events-sns-topic"),
        help: ArgumentHelp(
            "Publish the same events to this SNS topic (repeatable; region from the ARN, endpoint and credentials from the AWS configuration).",
            valueName: "arn"))
    var snsTopics: [String] = []

    @Option(name: .customLong("events-wait"), help: "How long a command (not serve) waits at its end for its events to be delivered.")
    var eventsWait = DurationOption(default: "10s")

    func validate() throws {
        for webhook in webhooks {
            do {
                _ = try EventSettings.webhookURL(webhook)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if webhookSecretFile != nil && webhooks.isEmpty { throw ValidationError("--webhook-secret-file needs --webhook") }
        for topic in snsTopics where SNSClient.region(ofTopic: topic) == nil {
            throw ValidationError("--events-sns-topic \(topic.debugDescription) is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        }
    }

    func settings() throws -> EventSettings {
        EventSettings(
            webhooks: try webhooks.map(EventSettings.webhookURL),
            secret: try webhookSecretFile.map(EventSettings.readSecret(path:)),
            snsTopics: snsTopics)
    }

    /// Runs `body` with a sink delivering to the configured destinations, then waits at most
    /// `--events-wait` for what it emitted to be delivered. Without destinations the sink
    /// announces nothing.
    func withEvents<T>(_ body: (any EventSink) async throws -> T) async throws -> T {
        var logger = Logger(label: "wheelhouse.events") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        guard let dispatcher = try settings().dispatcher(drainTimeout: eventsWait.duration, logger: logger) else {
            return try await body(NoEvents())
        }
        let delivery = Task { try await dispatcher.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(dispatcher))
        } catch {
            result = .failure(error)
        }
        dispatcher.close()
        _ = await delivery.result
        let counts = dispatcher.counts
        if counts.failed + counts.dropped > 0 {
            printError("warning: \(counts.failed + counts.dropped) event deliveries failed (see above); \(counts.delivered) delivered")
        }
        return try result.get()
    }
}
