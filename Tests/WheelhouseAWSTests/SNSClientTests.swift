import Foundation
import Testing

@testable import WheelhouseAWS

/// SNS Publish in the query protocol, in-process (the retry and error paths run with the other
/// protocols in `AWSClientTests`; the moto round trip is in the events end-to-end tests).
@Suite("SNSClient: Publish form and topic ARNs, in-process")
struct SNSClientTests {
    @Test(arguments: [
        ("arn:aws:sns:eu-west-1:123456789012:wheelhouse-events", "eu-west-1"),
        ("arn:aws-cn:sns:cn-north-1:123456789012:t", "cn-north-1"),
        ("arn:aws:sns:us-east-1:123456789012:t.fifo", "us-east-1"),
    ])
    func regionOfTopic(_ arn: String, _ region: String) {
        #expect(SNSClient.region(ofTopic: arn) == region)
    }

    @Test(arguments: [
        "", "wheelhouse-events", "arn:aws:sqs:eu-west-1:123456789012:q", "arn:aws:sns::123456789012:t",
        "arn:aws:sns:eu-west-1:123456789012:", "arn:aws:sns:eu-west-1:123456789012:t:extra",
    ])
    func notATopic(_ arn: String) {
        #expect(SNSClient.region(ofTopic: arn) == nil)
        #expect(throws: SNSClient.TopicError.self) { try SNSConfiguration.resolved(topicARN: arn, environment: [:]) }
    }

    @Test func endpointFromTheEnvironment() throws {
        let configuration = try SNSConfiguration.resolved(
            topicARN: "arn:aws:sns:eu-west-1:1:t", environment: ["AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:5000"])
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.endpoint?.absoluteString == "http://127.0.0.1:5000")
    }

    @Test func publishFormNumbersAttributesInNameOrder() {
        let parameters = SNSClient.publishParameters(
            topicARN: "arn:aws:sns:us-east-1:1:t", message: #"{"a": "b & c"}"#, subject: "upload",
            attributes: ["type": "upload", "project": "demo"])
        #expect(
            parameters.map { "\($0.0)=\($0.1)" } == [
                "TopicArn=arn:aws:sns:us-east-1:1:t",
                #"Message={"a": "b & c"}"#,
                "Subject=upload",
                "MessageAttributes.entry.1.Name=project",
                "MessageAttributes.entry.1.Value.DataType=String",
                "MessageAttributes.entry.1.Value.StringValue=demo",
                "MessageAttributes.entry.2.Name=type",
                "MessageAttributes.entry.2.Value.DataType=String",
                "MessageAttributes.entry.2.Value.StringValue=upload",
            ])
    }

    @Test func anAnswerWithoutMessageIdIsAnError() async throws {
        let transport = ScriptedTransport([.answer(200, body: "<PublishResponse></PublishResponse>")])
        let client = SNSClient(
            configuration: SNSConfiguration(region: "us-east-1", endpoint: URL(string: "http://aws.test"), retry: AWSRetryPolicy(clock: TestClock())),
            credentials: S3TestClient.dummy, transport: transport.transport)
        await #expect {
            try await client.publish(topicARN: "arn:aws:sns:us-east-1:1:t", message: "{}")
        } throws: { error in
            "\(error)".contains("no MessageId")
        }
        #expect(transport.sent.first?.url == "http://aws.test/")
    }
}
