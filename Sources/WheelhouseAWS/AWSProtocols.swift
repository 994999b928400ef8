import Foundation
import NIOCore
import NIOHTTP1

/// S3's REST-XML protocol: `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`.
/// HEAD answers have no body: a 404 is then `NotFound`, and the request id comes from
/// `x-amz-request-id`.
public enum AWSRestXMLCodec: AWSProtocolCodec {
    public static func error(_ answer: AWSErrorAnswer) -> (code: String?, message: String?, requestId: String?) {
        let xml = AWSXMLElement.parse(answer.body)
        let error = xml?.name == "Error" ? xml : nil
        return (
            error?.text("Code") ?? (answer.status == 404 ? "NotFound" : nil),
            error?.text("Message"),
            error?.text("RequestId") ?? answer.headers.first(name: "x-amz-request-id")
        )
    }
}

/// The AWS JSON 1.1 protocol (SSM): `POST /` with `X-Amz-Target: <prefix>.<Operation>`, a
/// JSON body in and out, errors as `{"__type": "com.amazonaws.ssm#ParameterNotFound",
/// "message": …}` (the namespace before `#` is optional; the code may also come in
/// `x-amzn-ErrorType`, after which `:…` is dropped). Some endpoints (moto) answer
/// authentication failures in the query protocol's XML, which is read too.
public enum AWSJSONCodec: AWSProtocolCodec {
    struct ErrorBody: Decodable {
        var type: String?
        var code: String?
        var message: String?
        var capitalMessage: String?

        enum CodingKeys: String, CodingKey {
            case type = "__type"
            case code
            case message
            case capitalMessage = "Message"
        }
    }

    public static func error(_ answer: AWSErrorAnswer) -> (code: String?, message: String?, requestId: String?) {
        let json = try? JSONDecoder().decode(ErrorBody.self, from: answer.body)
        let document = json == nil ? AWSXMLElement.parse(answer.body) : nil
        let xml = document?.first("Error")
        let code = json?.type ?? json?.code ?? xml?.text("Code") ?? answer.headers.first(name: "x-amzn-ErrorType")
        return (
            code.map(Self.bareCode),
            json?.message ?? json?.capitalMessage ?? xml?.text("Message"),
            answer.headers.first(name: "x-amzn-RequestId") ?? document?.first("RequestId")?.text
        )
    }

    /// `com.amazonaws.ssm#ParameterNotFound` → `ParameterNotFound`; `TooManyUpdates:http://…` → `TooManyUpdates`.
    static func bareCode(_ raw: String) -> String {
        let withoutURI = raw.split(separator: ":", maxSplits: 1).first.map(String.init) ?? raw
        return withoutURI.split(separator: "#").last.map(String.init) ?? withoutURI
    }

    /// A request for `operation`: `POST /` with the target header and `input` as JSON (keys sorted).
    static func request(
        url: URL, region: String, targetPrefix: String, operation: AWSOperation, input: some Encodable
    ) throws -> AWSRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload: Data
        do {
            payload = try encoder.encode(input)
        } catch {
            throw AWSClientError.invalidResponse(operation, message: "cannot encode the request: \(error)")
        }
        return AWSRequest(
            method: .POST, url: url,
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", targetPrefix + "." + operation.name)],
            body: .bytes(ByteBuffer(bytes: payload)), region: region)
    }

    /// Decodes a success answer (an empty body reads as `{}`).
    static func decode<Output: Decodable>(_ type: Output.Type, from data: Data, operation: AWSOperation) throws -> Output {
        do {
            return try JSONDecoder().decode(type, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw AWSClientError.invalidResponse(operation, message: "cannot read the answer: \(error)")
        }
    }
}

/// The AWS query protocol (STS): a form-encoded `POST` of `Action`, `Version` and the
/// parameters; answers in XML, errors as
/// `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`.
public enum AWSQueryCodec: AWSProtocolCodec {
    public static func error(_ answer: AWSErrorAnswer) -> (code: String?, message: String?, requestId: String?) {
        let xml = AWSXMLElement.parse(answer.body)
        let error = xml?.first("Error")
        return (
            error?.text("Code"),
            error?.text("Message"),
            xml?.first("RequestId")?.text ?? answer.headers.first(name: "x-amzn-RequestId")
        )
    }

    /// The form body of `action` with `parameters`, every name and value encoded as SigV4 expects.
    static func request(url: URL, region: String, action: String, version: String, parameters: [(String, String)]) -> AWSRequest {
        let form = ([("Action", action), ("Version", version)] + parameters)
            .map { SigV4Encoding.encode(Array($0.utf8)) + "=" + SigV4Encoding.encode(Array($1.utf8)) }
            .joined(separator: "&")
        return AWSRequest(
            method: .POST, url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "application/xml")],
            body: .bytes(ByteBuffer(string: form)), region: region)
    }
}
